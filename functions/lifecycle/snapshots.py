"""Step "Prune old snapshots": keep the newest few snapshots; Managed Flink never deletes them itself."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout import env
from fanout.exceptions import ConfigurationError
from fanout.lifecycle import LifecycleSettings, prune_snapshots
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"deleted": [names], "kept": N}``."""
    name = event.get("applicationName") or LifecycleSettings.from_env(os.environ).application_name
    raw_keep = os.environ.get(env.SNAPSHOTS_TO_KEEP, "3")
    if not raw_keep.isdigit() or int(raw_keep) < 1:
        raise ConfigurationError(f"{env.SNAPSHOTS_TO_KEEP} must be a whole number of at least 1, got {raw_keep!r}")
    deleted = prune_snapshots(boto3.client("kinesisanalyticsv2"), name, int(raw_keep))
    logger.info("snapshots pruned", extra={"deleted": deleted})
    return {"deleted": deleted, "kept": int(raw_keep)}
