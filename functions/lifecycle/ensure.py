"""Step "Ensure application exists": create the Flink application, or move it to a new artifact version.

A created application has no snapshot: it starts from the resume position recorded at the last clean stop
(AT_TIMESTAMP, less the resume margin), or, before any clean stop, from the stack's SourceInitPosition.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import ApplicationSpec, LifecycleSettings, ensure_application
from fanout.lifecycle.position import INIT_POSITION, INIT_TIMESTAMP, read_position
from fanout.lifecycle.steps import StepInput
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"action": "created"|"updated"|"unchanged"|"update-deferred", "startPosition": {...}, ...}``."""
    step = StepInput.parse(event)
    settings = LifecycleSettings.from_env(os.environ)
    spec = ApplicationSpec.from_env(os.environ).model_copy(update={"application_name": step.application_name})
    if settings.resume_position_parameter:
        position = read_position(boto3.client("ssm"), settings.resume_position_parameter, step.application_name)
        if position is not None:
            resume = position.properties(settings.resume_margin_seconds)
            spec = spec.model_copy(update={"properties": {**spec.properties, **resume}})
    result = ensure_application(boto3.client("kinesisanalyticsv2"), boto3.client("s3"), spec)
    start = {key: spec.properties.get(key, "") for key in (INIT_POSITION, INIT_TIMESTAMP)}
    at = start[INIT_TIMESTAMP] if start[INIT_POSITION] == "AT_TIMESTAMP" else None
    result["startPosition"] = {"type": start[INIT_POSITION], "timestamp": at}
    logger.info("application ensured", extra={"result": result})
    return result
