"""The Managed Flink runtimes the project runs on: one home for their names and the default.

``FLINK-1_20`` runs PyFlink on Python 3.11 with the 5.x Kinesis connector; ``FLINK-2_2`` runs Python 3.12 with
the 6.x connector (``fanout.artifact.connector``). Where the two route differently, the evaluator is told which
one it emulates.

Example:
    >>> check_runtime("FLINK-2_2")
    'FLINK-2_2'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fanout import env
from fanout.exceptions import UnsupportedRuntimeError

FLINK_1_20 = "FLINK-1_20"
FLINK_2_2 = "FLINK-2_2"
RUNTIMES = (FLINK_1_20, FLINK_2_2)
"""The RuntimeEnvironment values the project supports, oldest first."""
DEFAULT_RUNTIME = FLINK_1_20
"""What a new stack runs (the template's FlinkRuntime default; the README says why)."""

CONNECTOR_GROUP = "org.apache.flink"
CONNECTOR_ARTIFACT = "flink-sql-connector-aws-kinesis-streams"
"""The SQL jar (shaded AWS SDK): the one jar a PyFlink Table API job needs for the `kinesis` source and sink."""
CONNECTOR_VERSIONS = {
    # 5.1.0 fixes 5.0.0's idle-source GetRecords storm and its data loss on restore at a shard split.
    FLINK_1_20: "5.1.0-1.20",
    # The 6.x line is the one for Flink 2.x (Managed Flink's connector table lists 6.0.1-2.0 for 2.2 and 2.3).
    FLINK_2_2: "6.0.1-2.0",
}
"""The Kinesis connector's version by runtime (fanout.artifact.connector fetches and pins the jar)."""
RUNTIME_METADATA = "flink-runtime"
"""The artifact object's S3 user metadata key that names the runtime whose connector jar the zip ships."""
RESTART_METRICS = {FLINK_1_20: "fullRestarts", FLINK_2_2: "numRestarts"}
"""The job-restart count Managed Flink publishes (AWS/KinesisAnalytics, dimension Application): 2.2 removed
fullRestarts, and its guide says to use numRestarts."""


def check_runtime(value: str) -> str:
    """``value`` if it is a supported runtime; UnsupportedRuntimeError, naming the supported ones, otherwise."""
    if value not in RUNTIMES:
        raise UnsupportedRuntimeError(f"unsupported Flink runtime {value!r}: use one of {', '.join(RUNTIMES)}")
    return value


def connector_jar_name(runtime: str) -> str:
    """The connector jar's file name for ``runtime``, as the artifact ships it in ``lib/``."""
    return f"{CONNECTOR_ARTIFACT}-{CONNECTOR_VERSIONS[check_runtime(runtime)]}.jar"


def runtime_version(runtime: str) -> tuple[int, int]:
    """(major, minor) of a RuntimeEnvironment such as ``FLINK-1_20``; (0, 0) for one that names no Flink version."""
    try:
        major, minor = runtime.split("-", 1)[1].split("_")
        return int(major), int(minor)
    except (IndexError, ValueError):
        return 0, 0


def runtime_of_jar(file_name: str) -> str | None:
    """The runtime whose connector jar ``file_name`` is (``lib/`` or any folder before it is ignored); None for
    any other jar."""
    name = file_name.rsplit("/", 1)[-1]
    return next((runtime for runtime in RUNTIMES if connector_jar_name(runtime) == name), None)


def resolve_runtime(
    explicit: str | None = None, environ: Mapping[str, str] | None = None, template: Mapping[str, Any] | None = None
) -> str:
    """The runtime to emulate: ``explicit`` (a flag) > FANOUT_FLINK_RUNTIME > the template's FlinkRuntime default
    > DEFAULT_RUNTIME; checked (UnsupportedRuntimeError)."""
    chosen = explicit or (environ or {}).get(env.FANOUT_FLINK_RUNTIME)
    if not chosen and template is not None:
        parameter = (template.get("Parameters") or {}).get("FlinkRuntime") or {}
        chosen = parameter.get("Default") if isinstance(parameter, dict) else None
    return check_runtime(str(chosen or DEFAULT_RUNTIME))


def restart_metric(runtime: str) -> str:
    """The restart metric of ``runtime``; a runtime the project does not run on gets 1.20's (a report, not a check)."""
    return RESTART_METRICS.get(runtime, RESTART_METRICS[DEFAULT_RUNTIME])
