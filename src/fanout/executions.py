"""Follow a Step Functions execution's history as it grows; shared by `fanout run` and `fanout demo`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any


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
        if status != "RUNNING":
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
