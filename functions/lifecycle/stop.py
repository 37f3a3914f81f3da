"""Step "Stop application": stop with a snapshot, or force-stop a stuck transition (``"force": true``).

With ``"deferSince"`` (when the stop was first asked) and ``"ceilingSeconds"``, an application that is
STARTING, UPDATING, AUTOSCALING or in MAINTENANCE is waited out (``"action": "deferred"``) up to the ceiling.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import stop_application
from fanout.lifecycle.steps import StopInput
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the operation to follow; a no-op when the application is READY, STOPPING or missing."""
    step = StopInput.parse(event)
    result = stop_application(
        boto3.client("kinesisanalyticsv2"),
        step.application_name,
        force=step.force,
        defer_since=step.defer_since,
        ceiling_seconds=step.ceiling_seconds,
        must_exist=step.action == "run",  # the end of a window: the application this run started
    )
    logger.info("stop requested", extra={"result": result, "force": step.force})
    return result
