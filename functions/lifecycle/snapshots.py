"""Step "Prune old snapshots": keep the newest few snapshots; Managed Flink never deletes them itself."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.lifecycle import LifecycleSettings, prune_snapshots
from fanout.lifecycle.steps import StepInput
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"deleted": [names], "kept": N}``."""
    step = StepInput.parse(event)
    keep = LifecycleSettings.from_env(os.environ).snapshots_to_keep
    deleted = prune_snapshots(boto3.client("kinesisanalyticsv2"), step.application_name, keep)
    logger.info("snapshots pruned", extra={"deleted": deleted})
    return {"deleted": deleted, "kept": keep}
