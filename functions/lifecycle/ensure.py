"""Step "Ensure application exists": create the Flink application, or move it to a new artifact version."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import ApplicationSpec, ensure_application
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"action": "created"|"updated"|"unchanged"|"update-deferred", ...}``."""
    spec = ApplicationSpec.from_env(os.environ)
    result = ensure_application(boto3.client("kinesisanalyticsv2"), boto3.client("s3"), spec)
    logger.info("application ensured", extra={"result": result})
    return result
