"""Step "Ensure application exists": create the Flink application, or move it to a new artifact version.

A created application has no snapshot: it starts from the resume position recorded at the last clean stop
(AT_TIMESTAMP, less the resume margin), or, before any clean stop, from the stack's SourceInitPosition.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout import env
from fanout.lifecycle import ApplicationSpec, ensure_application
from fanout.lifecycle.position import (
    DEFAULT_MARGIN_SECONDS,
    INIT_POSITION,
    INIT_TIMESTAMP,
    check_margin,
    read_position,
)
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"action": "created"|"updated"|"unchanged"|"update-deferred", "startPosition": {...}, ...}``."""
    spec = ApplicationSpec.from_env(os.environ)
    parameter = os.environ.get(env.RESUME_POSITION_PARAMETER)
    if parameter:
        margin = check_margin(os.environ.get(env.RESUME_MARGIN_SECONDS, DEFAULT_MARGIN_SECONDS))
        position = read_position(boto3.client("ssm"), parameter, spec.application_name)
        if position is not None:
            spec = spec.model_copy(update={"properties": {**spec.properties, **position.properties(margin)}})
    result = ensure_application(boto3.client("kinesisanalyticsv2"), boto3.client("s3"), spec)
    start = {key: spec.properties.get(key, "") for key in (INIT_POSITION, INIT_TIMESTAMP)}
    at = start[INIT_TIMESTAMP] if start[INIT_POSITION] == "AT_TIMESTAMP" else None
    result["startPosition"] = {"type": start[INIT_POSITION], "timestamp": at}
    logger.info("application ensured", extra={"result": result})
    return result
