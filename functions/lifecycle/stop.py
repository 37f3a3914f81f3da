"""Step "Stop application": stop with a snapshot, or force-stop a stuck transition (``"force": true``).

With ``"deferSince"`` (when the stop was first asked) and ``"ceilingSeconds"``, an application that is
STARTING, UPDATING, AUTOSCALING or in MAINTENANCE is waited out (``"action": "deferred"``) up to the ceiling.
"""

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
    since = event.get("deferSince")
    ceiling = event.get("ceilingSeconds")
    if since is not None and not isinstance(since, str):
        raise InvalidRequestError(f"'deferSince' must be an ISO 8601 time, got {since!r}")
    if ceiling is not None and (isinstance(ceiling, bool) or not isinstance(ceiling, int) or ceiling < 1):
        raise InvalidRequestError(f"'ceilingSeconds' must be a whole number of seconds, got {ceiling!r}")
    name = event.get("applicationName") or LifecycleSettings.from_env(os.environ).application_name
    kda = boto3.client("kinesisanalyticsv2")
    must_exist = event.get("action") == "run"  # the end of a window: the application this run started
    result = stop_application(kda, name, force=force, defer_since=since, ceiling_seconds=ceiling, must_exist=must_exist)
    logger.info("stop requested", extra={"result": result, "force": force})
    return result
