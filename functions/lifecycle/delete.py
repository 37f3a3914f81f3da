"""Step "Delete application": delete a READY application with its CreateTimestamp (no-op when missing)."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import delete_application
from fanout.lifecycle.steps import StepInput
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"action": "deleted"|"none", "status", "since"}``."""
    step = StepInput.parse(event)
    result = delete_application(boto3.client("kinesisanalyticsv2"), step.application_name)
    logger.info("delete requested", extra={"result": result})
    return result
