"""Step "Start application": start it with an explicit restore type (a no-op when RUNNING or STARTING)."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import start_application
from fanout.lifecycle.steps import StepInput
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the operation to follow: ``{"action", "status", "operationId", "since", "restoreType"}``."""
    step = StepInput.parse(event)
    result = start_application(boto3.client("kinesisanalyticsv2"), step.application_name)
    logger.info("start requested", extra={"result": result})
    return result
