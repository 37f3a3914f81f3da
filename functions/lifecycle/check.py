"""Step "Check progress": where a start, stop or delete stands, for the state machine's wait loops."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import LifecycleSettings, Target, check_transition
from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"state": "IN_PROGRESS"|"SETTLED"|"TIMED_OUT", "status", "elapsedSeconds"}``."""
    settings = LifecycleSettings.from_env(os.environ)
    try:
        target = Target(str(event.get("target")))
    except ValueError as exc:
        targets = ", ".join(t.value for t in Target)
        raise InvalidRequestError(f"'target' must be one of {targets}, got {event.get('target')!r}") from exc
    result = check_transition(
        boto3.client("kinesisanalyticsv2"),
        event.get("applicationName") or settings.application_name,
        target,
        operation_id=event.get("operationId"),
        since=event.get("since"),
        ceiling_seconds=int(event.get("ceilingSeconds") or settings.ceiling_seconds),
    )
    logger.info("transition progress", extra={"target": target.value, "result": result})
    return result
