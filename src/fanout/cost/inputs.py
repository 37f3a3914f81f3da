"""What the estimate needs from the deployment: read from template.yaml's parameter defaults, or given."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fanout.cost.exceptions import CostInputError
from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.models import parse_duration


class StreamSpec(BaseModel):
    """One provisioned stream: its shards and retention."""

    model_config = ConfigDict(frozen=True)

    name: str
    shards: int = Field(ge=1)
    retention_hours: int = Field(ge=24, le=8760)


class CostInputs(BaseModel):
    """The deployment as the estimate sees it."""

    model_config = ConfigDict(frozen=True)

    parallelism: int = Field(default=1, ge=1)
    parallelism_per_kpu: int = Field(default=1, ge=1, le=8)
    streams: tuple[StreamSpec, ...] = ()
    run_schedule: str = "cron(0 9 ? * MON-FRI *)"
    stop_schedule: str = ""
    timezone: str = "UTC"
    run_duration: str = "PT8H"
    poll_seconds: float = Field(default=30, gt=0)
    snapshots_kept: int = Field(default=3, ge=0)
    definition_path: Path | None = None

    def run_hours(self) -> float:
        """The length of one run window in hours."""
        try:
            return parse_duration(self.run_duration, field="RunDuration").total_seconds() / 3600
        except InvalidRequestError as exc:
            raise CostInputError(str(exc)) from exc


def _value(node: Any, params: Mapping[str, str], what: str) -> str:
    if isinstance(node, Mapping) and set(node) == {"Ref"}:
        ref = str(node["Ref"])
        if ref not in params:
            raise CostInputError(f"{what} refers to {ref}, which is not a parameter with a default")
        return params[ref]
    if isinstance(node, str | int | float):
        return str(node)
    raise CostInputError(f"{what} is {node!r}: only a literal or a Ref to a parameter is understood")


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, object] | None = None) -> dict[str, str]:
    """Parameter defaults of `template`, with `overrides` (None values ignored) on top."""
    params = {
        name: str(spec["Default"])
        for name, spec in (template.get("Parameters") or {}).items()
        if isinstance(spec, Mapping) and "Default" in spec
    }
    params.update({k: str(v) for k, v in (overrides or {}).items() if v is not None})
    return params


def inputs_from_template(path: Path, overrides: Mapping[str, object] | None = None) -> CostInputs:
    """Read the estimate's inputs from a SAM template's parameter defaults and stream resources.

    `overrides` are parameter values by name (``{"OutputShardCount": 2}``), as a deployment would pass.
    Example: ``inputs_from_template(Path("template.yaml"), {"Parallelism": 4}).parallelism``
    """
    from fanout.sam.template import load_template

    try:
        template = load_template(path)
    except OSError as exc:
        raise CostInputError(f"cannot read the template {path}: {exc}; pass --template") from exc
    except Exception as exc:  # the YAML loader raises several types for a malformed file
        detail = " ".join(str(exc).split())  # its messages span lines; the CLI shows one
        raise CostInputError(f"cannot parse the template {path}: {detail}; pass --template") from exc
    if not isinstance(template, dict):
        raise CostInputError(f"the template {path} is not a YAML or JSON mapping; pass --template")
    params = parameter_values(template, overrides)
    resources = template.get("Resources") or {}
    streams = []
    machine: Path | None = None
    for logical, resource in resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Kinesis::Stream":
            mode = (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
            if mode != "PROVISIONED":
                raise CostInputError(f"stream {logical} is {mode}: the estimate prices provisioned shards only")
            streams.append(
                {
                    "name": logical,
                    "shards": _value(props.get("ShardCount", 1), params, f"{logical}.ShardCount"),
                    "retention_hours": _value(
                        props.get("RetentionPeriodHours", 24), params, f"{logical}.RetentionPeriodHours"
                    ),
                }
            )
        if resource.get("Type") == "AWS::Serverless::StateMachine" and props.get("DefinitionUri"):
            machine = Path(path).parent / str(props["DefinitionUri"])
    raw = {
        "parallelism": params.get("Parallelism", 1),
        "parallelism_per_kpu": params.get("ParallelismPerKPU", 1),
        "streams": streams,
        "run_schedule": params.get("RunScheduleExpression", "cron(0 9 ? * MON-FRI *)"),
        "stop_schedule": params.get("StopScheduleExpression", ""),
        "timezone": params.get("ScheduleTimezone", "UTC"),
        "run_duration": params.get("RunDuration", "PT8H"),
        "poll_seconds": params.get("PollIntervalSeconds", 30),
        "snapshots_kept": params.get("SnapshotsToKeep", 3),
        "definition_path": machine,
    }
    try:
        return CostInputs.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise CostInputError(f"invalid cost inputs from {path}: {problems}") from exc
