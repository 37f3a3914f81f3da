"""Where a transition (start, stop, delete) stands: the describe step of the state machine's wait loops."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from fanout.lifecycle.exceptions import (
    ApplicationNotFoundError,
    OperationFailedError,
    TransitionTimedOutError,
    UnexpectedApplicationStatusError,
)
from fanout.lifecycle.models import Progress, Target
from fanout.lifecycle.service import describe_application, operation_status
from fanout.lifecycle.status import TRANSIENT_STATUSES, UNHANDLED_STATUSES, ApplicationStatus, OperationStatus

_FAILED_OPERATION = frozenset({OperationStatus.FAILED, OperationStatus.CANCELLED})


def _elapsed(since: str | None, now: datetime) -> float:
    if not since:
        return 0.0
    started = datetime.fromisoformat(since)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return max(0.0, (now - started).total_seconds())


def _raise_if_failed(kda: Any, name: str, operation_id: str | None, what: str) -> str:
    if not operation_id:
        return ""
    status, error = operation_status(kda, name, operation_id)
    if status in _FAILED_OPERATION:
        raise OperationFailedError(f"{what} of application {name!r} {status}: {error or 'no error details'}")
    return status


def check_transition(
    kda: Any,
    name: str,
    target: Target,
    *,
    operation_id: str | None = None,
    since: str | None = None,
    ceiling_seconds: int = 1200,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Tell whether the application reached `target`, is still on its way, or passed the ceiling.

    Raises OperationFailedError when the operation failed (for example a start that returned to READY),
    and UnexpectedApplicationStatusError for statuses the lifecycle does not handle.
    """
    now = now or datetime.now(UTC)
    elapsed = _elapsed(since, now)
    try:
        status = describe_application(kda, name).status
    except ApplicationNotFoundError:
        if target is Target.DELETED:
            return {
                "state": Progress.SETTLED.value,
                "status": ApplicationStatus.DELETED.value,
                "elapsedSeconds": round(elapsed, 1),
            }
        raise
    operation = ""
    if status in UNHANDLED_STATUSES:
        raise UnexpectedApplicationStatusError(f"application {name!r} went {status} while waiting for {target.value}")
    if status == target.value:
        operation = _raise_if_failed(kda, name, operation_id, "the operation")
        state = Progress.SETTLED
    elif target is Target.RUNNING and status == ApplicationStatus.READY:
        # A failed start returns the application to READY: the operation tells why.
        operation = _raise_if_failed(kda, name, operation_id, "the start")
        if operation_id and operation == OperationStatus.SUCCESSFUL:
            raise UnexpectedApplicationStatusError(f"application {name!r} started, then returned to READY")
        state = Progress.IN_PROGRESS
    elif target is Target.READY and status == ApplicationStatus.RUNNING:
        operation = _raise_if_failed(kda, name, operation_id, "the stop")
        state = Progress.IN_PROGRESS
    elif status in TRANSIENT_STATUSES or status in {ApplicationStatus.READY, ApplicationStatus.RUNNING}:
        state = Progress.IN_PROGRESS
    else:
        raise UnexpectedApplicationStatusError(f"application {name!r} has unknown status {status}")
    if state is Progress.IN_PROGRESS and elapsed > ceiling_seconds:
        state = Progress.TIMED_OUT
    result: dict[str, Any] = {"state": state.value, "status": status, "elapsedSeconds": round(elapsed, 1)}
    if operation:
        result["operationStatus"] = operation
    return result


def follow_transition(
    kda: Any,
    name: str,
    target: Target,
    *,
    operation_id: str | None = None,
    since: str | None = None,
    timeout_seconds: float = 1200,
    poll_seconds: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Yield each `check_transition` result until the application settles at `target`.

    Raises TransitionTimedOutError past `timeout_seconds` (the state machine force-stops instead;
    a person decides). Example: ``for p in follow_transition(kda, "app", Target.RUNNING): print(p["status"])``
    """
    since = since or datetime.now(UTC).isoformat()
    while True:
        progress = check_transition(
            kda, name, target, operation_id=operation_id, since=since, ceiling_seconds=int(timeout_seconds)
        )
        yield progress
        if progress["state"] == Progress.SETTLED.value:
            return
        if progress["state"] == Progress.TIMED_OUT.value:
            raise TransitionTimedOutError(
                f"application {name!r} is still {progress['status']} after {progress['elapsedSeconds']:.0f}s "
                f"(waiting for {target.value})"
            )
        sleep(poll_seconds)
