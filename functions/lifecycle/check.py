"""Step "Check progress": where a start, stop or delete stands, for the state machine's wait loops."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import LifecycleSettings, check_transition
from fanout.lifecycle.steps import CheckInput
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"state": "IN_PROGRESS"|"SETTLED"|"TIMED_OUT", "status", "elapsedSeconds"}``."""
    step = CheckInput.parse(event)
    result = check_transition(
        boto3.client("kinesisanalyticsv2"),
        step.application_name,
        step.target,
        operation_id=step.operation_id,
        since=step.since,
        ceiling_seconds=step.ceiling_seconds or LifecycleSettings.from_env(os.environ).ceiling_seconds,
    )
    logger.info("transition progress", extra={"target": step.target.value, "result": result})
    return result
