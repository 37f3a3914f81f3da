"""Step "Validate request": parse the execution input and make sure no other execution is in charge."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import LifecycleRequest, LifecycleSettings, execution_in_charge
from fanout.observability import logger, tracer


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the normalised request the rest of the state machine reads from ``$.request``."""
    settings = LifecycleSettings.from_env(os.environ)
    request = LifecycleRequest.parse(event.get("input"))
    blocked_by = None
    if event.get("executionArn") and event.get("stateMachineArn"):
        blocked_by = execution_in_charge(boto3.client("stepfunctions"), event["stateMachineArn"], event["executionArn"])
    result = {
        "action": request.action.value,
        "applicationName": settings.application_name,
        "durationSeconds": request.duration_seconds(settings),
        "pollSeconds": settings.poll_seconds,
        "ceilingSeconds": settings.ceiling_seconds,
        "proceed": blocked_by is None,
        "blockedBy": blocked_by,
    }
    logger.info("lifecycle request", extra={"request": result})
    return result
