"""Typed models of the lifecycle: the execution request, the settings, and step results."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fanout import env
from fanout.exceptions import ConfigurationError
from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.status import ApplicationStatus


class Action(StrEnum):
    """What a lifecycle execution does."""

    RUN = "run"
    START = "start"
    STOP = "stop"
    DELETE = "delete"


class Target(StrEnum):
    """The settled state a transition waits for."""

    RUNNING = ApplicationStatus.RUNNING.value
    READY = ApplicationStatus.READY.value
    DELETED = ApplicationStatus.DELETED.value


class Progress(StrEnum):
    """Where a transition stands, as the state machine's Choice states read it."""

    IN_PROGRESS = "IN_PROGRESS"
    SETTLED = "SETTLED"
    TIMED_OUT = "TIMED_OUT"


def _describe_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "input"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_duration(value: str, *, field: str = "duration") -> timedelta:
    """Parse an ISO 8601 duration such as ``PT8H`` or ``PT90S``.

    >>> parse_duration("PT1H30M").total_seconds()
    5400.0
    """

    class _D(BaseModel):
        value: timedelta

    if not isinstance(value, str) or not value.upper().startswith("P"):
        raise InvalidRequestError(f"{field} must be an ISO 8601 duration such as 'PT8H', got {value!r}")
    try:
        parsed = _D.model_validate({"value": value.upper()}).value
    except ValidationError as exc:
        raise InvalidRequestError(f"{field} must be an ISO 8601 duration such as 'PT8H', got {value!r}") from exc
    return parsed


class LifecycleSettings(BaseModel):
    """Settings every lifecycle step reads from its environment."""

    model_config = ConfigDict(frozen=True)

    application_name: str = Field(pattern=r"^[a-zA-Z0-9_.-]{1,128}$")
    poll_seconds: int = Field(default=30, ge=1, le=3600)
    ceiling_seconds: int = Field(default=1200, ge=1, le=86400)
    default_duration: str = "PT8H"
    max_duration: str = "P7D"
    snapshots_to_keep: int = Field(default=3, ge=1)
    resume_position_parameter: str | None = None
    resume_margin_seconds: int = Field(default=300, ge=0, le=86400)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LifecycleSettings:
        """Build the settings from an environment mapping; a missing or bad value is a ConfigurationError.

        Built once per distinct environment (once per cold start in AWS, where it does not change)."""
        keys = (
            env.APPLICATION_NAME,
            env.POLL_INTERVAL_SECONDS,
            env.TRANSITION_CEILING_SECONDS,
            env.DEFAULT_RUN_DURATION,
            env.MAX_RUN_DURATION,
            env.SNAPSHOTS_TO_KEEP,
            env.RESUME_POSITION_PARAMETER,
            env.RESUME_MARGIN_SECONDS,
        )
        return _settings(tuple((key, environ.get(key)) for key in keys))

    @classmethod
    def _build(cls, environ: Mapping[str, str | None]) -> LifecycleSettings:
        raw: dict[str, Any] = {
            "application_name": environ.get(env.APPLICATION_NAME) or "",
            "poll_seconds": environ.get(env.POLL_INTERVAL_SECONDS) or 30,
            "ceiling_seconds": environ.get(env.TRANSITION_CEILING_SECONDS) or 1200,
            "default_duration": environ.get(env.DEFAULT_RUN_DURATION) or "PT8H",
            "max_duration": environ.get(env.MAX_RUN_DURATION) or "P7D",
            "snapshots_to_keep": environ.get(env.SNAPSHOTS_TO_KEEP) or 3,
            "resume_position_parameter": environ.get(env.RESUME_POSITION_PARAMETER) or None,
            "resume_margin_seconds": environ.get(env.RESUME_MARGIN_SECONDS) or 300,
        }
        if not raw["application_name"]:
            raise ConfigurationError(f"{env.APPLICATION_NAME} is not set: the lifecycle needs an application name")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise ConfigurationError(f"invalid lifecycle settings: {_describe_validation(exc)}") from exc


@functools.lru_cache(maxsize=8)
def _settings(items: tuple[tuple[str, str | None], ...]) -> LifecycleSettings:
    return LifecycleSettings._build(dict(items))


class LifecycleRequest(BaseModel):
    """The input of a lifecycle execution: ``{"action": "run", "duration": "PT8H"}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action = Action.RUN
    duration: str | None = None

    @field_validator("action", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def parse(cls, event: Mapping[str, Any] | None) -> LifecycleRequest:
        """Validate an execution input; anything malformed is an InvalidRequestError."""
        if event is None:
            event = {}
        if not isinstance(event, Mapping):
            raise InvalidRequestError(f"the execution input must be a JSON object, got {type(event).__name__}")
        try:
            request = cls.model_validate(dict(event))
        except ValidationError as exc:
            actions = ", ".join(a.value for a in Action)
            raise InvalidRequestError(
                f"invalid lifecycle request: {_describe_validation(exc)} (actions: {actions})"
            ) from exc
        if request.duration is not None and request.action is not Action.RUN:
            raise InvalidRequestError(f"'duration' applies only to action 'run', not {request.action.value!r}")
        return request

    def duration_seconds(self, settings: LifecycleSettings) -> int:
        """The run window in whole seconds, checked against the configured maximum."""
        if self.action is not Action.RUN:
            return 0
        window = parse_duration(self.duration or settings.default_duration)
        ceiling = parse_duration(settings.max_duration, field="max duration")
        seconds = int(window.total_seconds())
        if seconds < 1:
            raise InvalidRequestError(f"duration must be at least one second, got {self.duration!r}")
        if window > ceiling:
            raise InvalidRequestError(
                f"duration {self.duration} is longer than the maximum run window {settings.max_duration}"
            )
        return seconds


class ApplicationState(BaseModel):
    """What DescribeApplication says, reduced to what the lifecycle uses."""

    name: str
    arn: str
    status: str
    version_id: int
    create_timestamp: str
    runtime: str = ""
    code_location: dict[str, str] = Field(default_factory=dict)
    snapshots_enabled: bool = False
    parallelism: int = 1
    parallelism_per_kpu: int = 1
    property_groups: list[dict[str, Any]] = Field(default_factory=list)  # EnvironmentProperties, as described


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class StepResult:
    """What the start, stop and delete steps return; the state machine reads each key of `to_dict`."""

    action: str
    status: str
    operation_id: str | None = None
    since: str = field(default_factory=_now)
    restore_type: str | None = None

    @classmethod
    def noop(cls, status: str) -> StepResult:
        """Nothing to do: the application is already `status`."""
        return cls("none", status)

    def to_dict(self) -> dict[str, Any]:
        """``{"action", "status", ["restoreType",] "operationId", "since"}``, in that order, of plain strings."""
        result: dict[str, Any] = {"action": self.action, "status": str(self.status)}
        if self.restore_type is not None:
            result["restoreType"] = self.restore_type
        result["operationId"] = self.operation_id
        result["since"] = self.since
        return result
