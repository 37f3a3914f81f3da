"""Step "Record the resume position": after a clean stop, note when it began, where a re-created application
resumes (see fanout.lifecycle.position)."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout import env
from fanout.exceptions import ConfigurationError
from fanout.lifecycle import LifecycleSettings
from fanout.lifecycle.position import ResumePosition, record_position
from fanout.lifecycle.steps import RecordInput
from fanout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return ``{"application", "stopBegan", "parameter"}``; the event carries ``stopBegan`` (ISO 8601)."""
    step = RecordInput.parse(event)
    parameter = LifecycleSettings.from_env(os.environ).resume_position_parameter
    if not parameter:
        raise ConfigurationError(f"{env.RESUME_POSITION_PARAMETER} is not set")
    position = ResumePosition(application=step.application_name, stopBegan=step.stop_began)
    record_position(boto3.client("ssm"), parameter, position)
    logger.info("resume position recorded", extra={"position": position.to_json()})
    return {"application": step.application_name, "stopBegan": position.stop_began.isoformat(), "parameter": parameter}
