"""Lifecycle efficiency: Step Functions transitions per scheduled window, their cost, and added seconds.

One real ``{"action": "run"}`` execution runs offline (the real ASL, the real handlers, the local Managed
Flink with short transition times and a 1 s poll interval). Its history gives the states entered; each poll
loop is three states (Wait, check, Choice). The model keeps the fixed states and scales the poll loops to
the template's default poll interval and typical AWS transition times:

    transitions = fixed + 3 x (ceil(start_seconds / poll) + ceil(stop_seconds / poll))

The seconds the state machine adds are measured from the moment the local service reaches RUNNING (or
READY) to the moment the state machine's Choice sees it.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fanout.bench.exceptions import BenchTimeoutError
from fanout.bench.offline import BenchRuntime
from fanout.bench.targets import Target
from fanout.lifecycle.status import ApplicationStatus, ExecutionStatus
from fanout.sam.template import load_template

PRICE_PER_TRANSITION = 0.025 / 1000
POLL_STATES = 3  # Wait, check, Choice
START_POLL, STOP_POLL = "Wait for RUNNING", "Wait for READY"
NOTICED_RUNNING, NOTICED_READY = "Is application RUNNING?", "Is application READY?"


@dataclass(frozen=True)
class LifecycleSettings:
    """The offline window and the AWS transition times the model assumes."""

    window_seconds: int = 2
    aws_start_seconds: float = 150.0
    aws_stop_seconds: float = 60.0
    max_cost_per_window: float = 0.002


def default_poll_seconds(template: Path) -> int:
    """The template's default PollIntervalSeconds."""
    return int(load_template(template)["Parameters"]["PollIntervalSeconds"]["Default"])


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
        events.extend(page["events"])
    return events


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _wait_for(sfn: Any, arn: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = str(sfn.describe_execution(executionArn=arn)["status"])
        if status != ExecutionStatus.RUNNING:
            return status
        time.sleep(0.2)
    raise BenchTimeoutError(f"execution {arn} still RUNNING after {timeout} s")


def model(fixed: int, poll: float, start_seconds: float, stop_seconds: float) -> dict[str, Any]:
    """Transitions and cost of one window at poll interval ``poll`` (see the module docstring)."""
    polls = math.ceil(start_seconds / poll) + math.ceil(stop_seconds / poll)
    transitions = fixed + POLL_STATES * polls
    return {
        "poll_seconds": poll,
        "polls": polls,
        "transitions": transitions,
        "cost_usd": round(transitions * PRICE_PER_TRANSITION, 6),
    }


def run_lifecycle(bench: BenchRuntime, template: Path, settings: LifecycleSettings | None = None) -> dict[str, Any]:
    """Run one window offline and model it at AWS's timings."""
    s = settings or LifecycleSettings()
    sfn = bench.rt.client("stepfunctions")
    seen = len(bench.transitions)
    payload = {"action": "run", "duration": f"PT{s.window_seconds}S"}
    arn = sfn.start_execution(
        stateMachineArn=bench.output("LifecycleStateMachineArn"), name="bench-window", input=json.dumps(payload)
    )["executionArn"]
    status = _wait_for(sfn, arn, 120)
    entered = [
        (e["stateEnteredEventDetails"]["name"], _epoch(e["timestamp"]))
        for e in _history(sfn, arn)
        if "stateEnteredEventDetails" in e
    ]
    names = [name for name, _ in entered]
    polls = names.count(START_POLL) + names.count(STOP_POLL)
    fixed = len(entered) - POLL_STATES * polls
    local_poll = float(
        next(
            f.environment["POLL_INTERVAL_SECONDS"]
            for f in bench.rt.deployment.functions.values()
            if "POLL_INTERVAL_SECONDS" in f.environment
        )
    )
    default_poll = default_poll_seconds(template)
    reached = {new: at for at, _, new in bench.transitions[seen:]}
    noticed = {name: at for name, at in entered}  # the last time each state was entered
    added = {
        "start": round(noticed[NOTICED_RUNNING] - reached[ApplicationStatus.RUNNING], 2)
        if NOTICED_RUNNING in noticed and ApplicationStatus.RUNNING in reached
        else None,
        "stop": round(noticed[NOTICED_READY] - reached[ApplicationStatus.READY], 2)
        if NOTICED_READY in noticed and ApplicationStatus.READY in reached
        else None,
    }
    aws = model(fixed, default_poll, s.aws_start_seconds, s.aws_stop_seconds)
    return {
        "settings": asdict(s),
        "execution_status": status,
        "states_entered": len(entered),
        "poll_loops": {"start": names.count(START_POLL), "stop": names.count(STOP_POLL)},
        "fixed_states": fixed,
        "local_poll_seconds": local_poll,
        "local_transitions": [
            {"at": round(at, 3), "from": old, "to": new} for at, old, new in bench.transitions[seen:]
        ],
        "added_seconds": added,
        "aws_model": aws,
        "aws_model_by_poll": [model(fixed, p, s.aws_start_seconds, s.aws_stop_seconds) for p in (10, 30, 60)],
        "targets": [asdict(t) for t in lifecycle_targets(status, aws, added, local_poll, s.max_cost_per_window)],
    }


def lifecycle_targets(
    status: str, aws: dict[str, Any], added: dict[str, float | None], poll: float, max_cost: float
) -> list[Target]:
    """The issue's targets for this section."""
    cost = aws["cost_usd"]
    out = [
        Target(
            "lifecycle: window execution offline",
            status,
            ExecutionStatus.SUCCEEDED.value,
            status == ExecutionStatus.SUCCEEDED,
        ),
        Target(
            f"lifecycle: cost per window at {aws['poll_seconds']:g} s polls ({aws['transitions']} transitions)",
            f"${cost:.6f}",
            f"≤ ${max_cost}",
            cost <= max_cost,
        ),
    ]
    for name, value in added.items():
        measured = "not seen" if value is None else f"{value:.2f} s"
        out.append(
            Target(
                f"lifecycle: seconds added to the {name} transition",
                measured,
                f"≤ {poll:g} s (one poll)",
                None if value is None else value <= poll,
            )
        )
    return out
