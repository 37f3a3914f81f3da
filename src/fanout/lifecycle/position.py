"""The resume position: where a re-created application starts reading when its snapshots are gone.

A snapshot is the exact position, but it goes with the application: deleted on schedule (``action: delete``),
or behind our back. So after each clean stop (a stop with a snapshot) the lifecycle records when that stop
began, in an SSM parameter that outlives the application. A re-created application, which has no snapshot
to restore, then reads from ``AT_TIMESTAMP`` of that moment less a replay margin, instead of the stream's
initial position (up to its whole retention, replayed) or ``LATEST`` (a gap).

The bound: a re-created application emits again the records that arrived from ``margin`` seconds before the
last clean stop up to the moment it went away (at most one run window, plus the margin). It skips nothing
that a consumer lag under ``margin`` had left unread at that stop.

Example:
    >>> from datetime import UTC, datetime
    >>> at = ResumePosition(application="app", stop_began=datetime(2026, 12, 1, 17, tzinfo=UTC))
    >>> at.properties(margin_seconds=300)["source.init.timestamp"]
    '2026-12-01T16:55:00.000Z'
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fanout.lifecycle.errors import error_code, translated
from fanout.lifecycle.exceptions import InvalidResumePositionError

INIT_POSITION = "source.init.position"
INIT_TIMESTAMP = "source.init.timestamp"
"""The Kinesis source options (flink-connector-aws) the lifecycle sets through the runtime properties."""

UNUSED_TIMESTAMP = "1970-01-01T00:00:00.000Z"
"""The timestamp property when the position is not AT_TIMESTAMP: the connector reads it only then, and Managed
Flink refuses an empty property value."""


class ResumePosition(BaseModel):
    """When the last clean stop of ``application`` began: everything that arrived before it was routed."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    application: str = Field(min_length=1)
    stop_began: datetime = Field(alias="stopBegan")

    @field_validator("stop_began")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def timestamp(self, margin_seconds: int) -> datetime:
        """The moment a re-created application reads from."""
        return self.stop_began - timedelta(seconds=margin_seconds)

    def properties(self, margin_seconds: int) -> dict[str, str]:
        """The source options that make a fresh application start there (the connector's default format)."""
        moment = self.timestamp(margin_seconds).astimezone(UTC)
        return {
            INIT_POSITION: "AT_TIMESTAMP",
            INIT_TIMESTAMP: moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        }

    def to_json(self) -> str:
        """The parameter's value."""
        return json.dumps({"application": self.application, "stopBegan": self.stop_began.isoformat()})


def read_position(ssm: Any, parameter: str, application: str) -> ResumePosition | None:
    """The recorded position of ``application``, or None when nothing was recorded for it yet.

    A value that is not a position is InvalidResumePositionError: guessing would replay or skip records.
    """
    try:
        with translated("GetParameter"):
            raw = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    except ClientError as exc:
        if error_code(exc) == "ParameterNotFound":
            return None
        raise
    try:
        position = ResumePosition.model_validate(json.loads(raw))
    except (json.JSONDecodeError, ValidationError, TypeError) as exc:
        raise InvalidResumePositionError(
            f"SSM parameter {parameter!r} does not hold a resume position ({raw[:200]!r}): fix or delete it "
            "(deleted, a re-created application reads from the stream's initial position)"
        ) from exc
    return position if position.application == application else None


def record_position(ssm: Any, parameter: str, position: ResumePosition) -> None:
    """Record ``position`` (overwriting the previous one)."""
    with translated("PutParameter"):
        ssm.put_parameter(
            Name=parameter,
            Value=position.to_json(),
            Type="String",
            Overwrite=True,
            Description="kinesis-fanout: when the last clean stop began (where a re-created application resumes)",
        )
