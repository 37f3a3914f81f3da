"""Follow a Step Functions execution's history as it grows; shared by `fanout run` and `fanout demo`."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.models import LifecycleRequest, parse_duration
from fanout.lifecycle.status import ExecutionStatus

OUTCOMES = tuple(status for status in ExecutionStatus if status.final)
"""The final statuses of an execution (RUNNING and PENDING_REDRIVE are not final)."""

_SHORT_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)


def new_events(sfn: Any, execution_arn: str, seen: int) -> list[dict[str, Any]]:
    """History events after the first `seen` ones."""
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events[seen:]


def follow(
    sfn: Any,
    execution_arn: str,
    *,
    poll_seconds: float = 0.25,
    timeout_seconds: float = 3600,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Yield each history event once, until the execution ends or `timeout_seconds` pass."""
    seen = 0
    deadline = time.monotonic() + timeout_seconds
    while True:
        status = sfn.describe_execution(executionArn=execution_arn)["status"]
        events = new_events(sfn, execution_arn, seen)
        seen += len(events)
        yield from events
        if status != ExecutionStatus.RUNNING:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {execution_arn} still RUNNING after {timeout_seconds:.0f}s")
        sleep(poll_seconds)


def describe_event(event: dict[str, Any]) -> str | None:
    """A one-line description of the history events people care about (None for the rest)."""
    kind = event["type"]
    if "stateEnteredEventDetails" in event:
        return f"state    {event['stateEnteredEventDetails']['name']}"
    for key in ("taskFailedEventDetails", "lambdaFunctionFailedEventDetails", "executionFailedEventDetails"):
        if key in event:
            details = event[key]
            return f"failed   {kind}: {details.get('error', '')} {details.get('cause', '')[:160]}".rstrip()
    if kind in ("ExecutionSucceeded", "ExecutionAborted", "ExecutionTimedOut"):
        return f"ended    {kind}"
    return None


def iso_duration(text: str) -> str:
    """A duration as ISO 8601: ``8h`` -> ``PT8H``, ``30m``, ``90s``, ``2d``; ISO 8601 passes through (checked).

    >>> iso_duration("8h"), iso_duration("pt30m")
    ('PT8H', 'PT30M')
    """
    short = _SHORT_DURATION.match(text)
    if short:
        number, unit = int(short.group(1)), short.group(2).upper()
        if number < 1:
            raise InvalidRequestError(f"duration must be at least 1{unit.lower()}, got {text!r}")
        return f"P{number}D" if unit == "D" else f"PT{number}{unit}"
    try:
        parse_duration(text.strip())
    except InvalidRequestError as exc:
        raise InvalidRequestError(f"duration must look like 8h, 30m, 90s, 2d or ISO 8601 PT8H, got {text!r}") from exc
    return text.strip().upper()


def execution_name(action: str, *, now: datetime | None = None, prefix: str = "cli") -> str:
    """A unique execution name: ``cli-run-20261125T201500Z-1a2b3c`` (moto needs one; AWS keeps it 90 days)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}-{action}-{stamp}-{secrets.token_hex(3)}"


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN of the execution `name` of a state machine.

    >>> execution_arn("arn:aws:states:us-east-1:123456789012:stateMachine:sm", "x")
    'arn:aws:states:us-east-1:123456789012:execution:sm:x'
    """
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def start_lifecycle(sfn: Any, state_machine_arn: str, request: LifecycleRequest, *, name: str | None = None) -> str:
    """Start a lifecycle execution of `request` with an explicit unique name; returns its ARN.

    Example: ``start_lifecycle(sfn, arn, LifecycleRequest(action="run", duration="PT8H"))``
    """
    payload = request.model_dump(mode="json", exclude_none=True)
    name = name or execution_name(request.action.value)
    response = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload))
    return str(response["executionArn"])


def recent_executions(
    sfn: Any, state_machine_arn: str, *, limit: int = 20, status: str | None = None
) -> list[dict[str, Any]]:
    """The newest executions of a state machine (at most `limit`), optionally only those with `status`."""
    kwargs: dict[str, Any] = {"stateMachineArn": state_machine_arn, "maxResults": min(max(limit, 1), 1000)}
    if status:
        kwargs["statusFilter"] = status
    items = sfn.list_executions(**kwargs).get("executions", [])
    return sorted(items, key=lambda e: e.get("startDate") or datetime.min.replace(tzinfo=UTC), reverse=True)[:limit]
