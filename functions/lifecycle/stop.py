"""Step "Stop application": stop with a snapshot, or force-stop a stuck transition (``"force": true``)."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import LifecycleSettings, stop_application
from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the operation to follow; a no-op when the application is READY, STOPPING or missing."""
    force = event.get("force", False)
    if not isinstance(force, bool):
        raise InvalidRequestError(f"'force' must be true or false, got {force!r}")
    name = event.get("applicationName") or LifecycleSettings.from_env(os.environ).application_name
    result = stop_application(boto3.client("kinesisanalyticsv2"), name, force=force)
    logger.info("stop requested", extra={"result": result, "force": force})
    return result
