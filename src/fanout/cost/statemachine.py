"""Count the Step Functions state transitions of one lifecycle execution by walking the real ASL.

Each Task is answered by a script keyed by the Lambda it calls (the ``${...FunctionArn}`` placeholder of
the ASL file), and each Choice is evaluated as Step Functions would, so the count follows the file: add a
state and the estimate changes. A start settles after ``ceil(start_seconds / poll_seconds)`` checks and a
stop after ``ceil(stop_seconds / poll_seconds)``, as the Wait/Check loops of the ASL poll.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from fanout.cost.exceptions import StateMachineWalkError
from fanout.lifecycle.models import Progress
from fanout.lifecycle.status import ApplicationStatus

TYPICAL_START_SECONDS = 150.0
"""A start takes about 2 to 3 minutes on AWS (no SLA is published)."""
TYPICAL_STOP_SECONDS = 60.0
"""A stop with a snapshot of a stateless job takes about a minute."""

_MAX_STEPS = 10_000


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.removeprefix("$.").split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _matches(rule: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    if "And" in rule:
        return all(_matches(r, context) for r in rule["And"])
    if "Or" in rule:
        return any(_matches(r, context) for r in rule["Or"])
    if "Not" in rule:
        return not _matches(rule["Not"], context)
    value = _lookup(context, rule["Variable"])
    for op in ("StringEquals", "BooleanEquals", "NumericEquals"):
        if op in rule:
            return bool(value == rule[op])
    if "IsPresent" in rule:
        return (value is not None) == rule["IsPresent"]
    raise StateMachineWalkError(f"choice rule {rule} uses an operator the walker does not evaluate")


def _set(context: dict[str, Any], path: str | None, value: Any) -> None:
    if path is None or path == "$":
        return
    parts = path.removeprefix("$.").split(".")
    target = context
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


Script = Callable[[str, Mapping[str, Any]], Any]


def walk(definition: Mapping[str, Any], script: Script) -> list[str]:
    """The names of the states one execution enters; `script(function, parameters)` answers each Task."""
    states = definition["States"]
    name = definition["StartAt"]
    context: dict[str, Any] = {}
    entered: list[str] = []
    for _ in range(_MAX_STEPS):
        if name not in states:
            raise StateMachineWalkError(f"the ASL has no state {name!r}")
        state = states[name]
        entered.append(name)
        kind = state["Type"]
        if kind in ("Succeed", "Fail"):
            return entered
        if kind == "Task":
            function = str(state.get("Resource", "")).strip("${}")
            _set(context, state.get("ResultPath", "$"), script(function, state.get("Parameters") or {}))
        elif kind == "Pass" and "Result" in state:
            _set(context, state.get("ResultPath", "$"), state["Result"])
        if kind == "Choice":
            name = next((c["Next"] for c in state["Choices"] if _matches(c, context)), state.get("Default", ""))
        elif state.get("End"):
            return entered
        else:
            name = state["Next"]
    raise StateMachineWalkError(f"no end after {_MAX_STEPS} states: a wait loop that never settles?")


def _checks(seconds: float, poll_seconds: float) -> Iterator[dict[str, str]]:
    polls = max(1, math.ceil(seconds / poll_seconds))
    for i in range(polls):
        yield {"state": Progress.SETTLED if i == polls - 1 else Progress.IN_PROGRESS}


def lifecycle_script(
    action: str,
    *,
    poll_seconds: float,
    start_seconds: float = TYPICAL_START_SECONDS,
    stop_seconds: float = TYPICAL_STOP_SECONDS,
    running: bool = False,
) -> Script:
    """Answers of the lifecycle's Lambdas for a happy execution of `action` (`running`: app RUNNING at first)."""
    if poll_seconds <= 0:
        raise StateMachineWalkError(f"the poll interval must be positive, got {poll_seconds}")
    loops = {
        ApplicationStatus.RUNNING.value: _checks(start_seconds, poll_seconds),
        ApplicationStatus.READY.value: _checks(stop_seconds, poll_seconds),
    }

    def answer(function: str, parameters: Mapping[str, Any]) -> Any:
        if function.startswith("ValidateRequest"):
            return {"proceed": True, "action": action}
        if function.startswith("StartApplication"):
            return {"status": ApplicationStatus.STARTING.value}
        if function.startswith("StopApplication"):
            stopping = running or action == "run"
            return {"status": (ApplicationStatus.STOPPING if stopping else ApplicationStatus.READY).value}
        if function.startswith("DeleteApplication"):
            return {"status": ApplicationStatus.DELETING.value}
        if function.startswith("CheckProgress"):
            target = str(parameters.get("target", ""))
            if target not in loops:
                return {"state": Progress.SETTLED}
            return next(loops[target], {"state": Progress.SETTLED})
        return {}

    return answer


def load_definition(path: Path) -> dict[str, Any]:
    """Read an ASL file (with its ``${...}`` placeholders left as they are)."""
    try:
        return dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise StateMachineWalkError(f"cannot read the state machine definition {path}: {exc}") from exc


def transitions(
    definition: Mapping[str, Any],
    action: str,
    *,
    poll_seconds: float,
    start_seconds: float = TYPICAL_START_SECONDS,
    stop_seconds: float = TYPICAL_STOP_SECONDS,
    running: bool = False,
) -> int:
    """State transitions of one `action` execution (states entered).

    Example: ``transitions(load_definition(Path("statemachines/lifecycle.asl.json")), "run", poll_seconds=30)``
    """
    script = lifecycle_script(
        action, poll_seconds=poll_seconds, start_seconds=start_seconds, stop_seconds=stop_seconds, running=running
    )
    return len(walk(definition, script))
