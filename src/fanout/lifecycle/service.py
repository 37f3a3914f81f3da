"""Lifecycle operations on the Flink application. Each takes its boto3 client and is idempotent.

Used by the state machine's Lambda handlers and by the `fanout app` commands alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.lifecycle.compat import check_runtime_change
from fanout.lifecycle.errors import error_code, translated
from fanout.lifecycle.exceptions import (
    AccessDeniedError,
    ApplicationBusyError,
    ApplicationNotFoundError,
    ApplicationVanishedError,
    ArtifactNotFoundError,
    ArtifactRuntimeMismatchError,
    InvalidRequestError,
    TransitionTimedOutError,
    UnexpectedApplicationStatusError,
)
from fanout.lifecycle.models import ApplicationState, StepResult
from fanout.lifecycle.spec import ApplicationSpec
from fanout.lifecycle.status import (
    DEFERRABLE_STOP_STATUSES,
    FORCE_STOPPABLE,
    UNHANDLED_STATUSES,
    ApplicationStatus,
    SnapshotStatus,
)
from fanout.lifecycle.status import TRANSIENT_STATUSES as TRANSIENT_STATUSES  # still importable from here
from fanout.runtimes import RUNTIME_METADATA

RESTORE_FROM_LATEST = "RESTORE_FROM_LATEST_SNAPSHOT"
SKIP_RESTORE = "SKIP_RESTORE_FROM_SNAPSHOT"


def _unhandled(name: str, status: str, wanted: str) -> UnexpectedApplicationStatusError:
    known = ApplicationStatus.parse(status)
    hint = known.hint if known is not None and known.unhandled else ""
    return UnexpectedApplicationStatusError(
        f"cannot {wanted} application {name!r} while it is {status}: {hint}".rstrip(": ")
    )


def describe_application(kda: Any, name: str) -> ApplicationState:
    """Describe the application; raises ApplicationNotFoundError when it does not exist."""
    with translated("DescribeApplication"):
        detail = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
    config = detail.get("ApplicationConfigurationDescription") or {}
    code = (config.get("ApplicationCodeConfigurationDescription") or {}).get("CodeContentDescription") or {}
    created = detail.get("CreateTimestamp")
    parallelism = (config.get("FlinkApplicationConfigurationDescription") or {}).get(
        "ParallelismConfigurationDescription"
    ) or {}
    return ApplicationState(
        name=detail["ApplicationName"],
        arn=detail["ApplicationARN"],
        status=detail["ApplicationStatus"],
        version_id=int(detail.get("ApplicationVersionId", 0)),
        create_timestamp=created.isoformat() if isinstance(created, datetime) else str(created or ""),
        runtime=detail.get("RuntimeEnvironment", ""),
        code_location={k: str(v) for k, v in (code.get("S3ApplicationCodeLocationDescription") or {}).items()},
        snapshots_enabled=bool(
            (config.get("ApplicationSnapshotConfigurationDescription") or {}).get("SnapshotsEnabled")
        ),
        parallelism=int(parallelism.get("CurrentParallelism") or parallelism.get("Parallelism") or 1),
        parallelism_per_kpu=int(parallelism.get("ParallelismPerKPU") or 1),
        property_groups=list(
            (config.get("EnvironmentPropertyDescriptions") or {}).get("PropertyGroupDescriptions") or []
        ),
    )


def find_application(kda: Any, name: str) -> ApplicationState | None:
    """Describe the application, or None when it does not exist."""
    try:
        return describe_application(kda, name)
    except ApplicationNotFoundError:
        return None


def artifact_head(s3: Any, bucket: str, key: str) -> tuple[str | None, str | None]:
    """The current S3 object version of the code artifact (None on an unversioned bucket) and the runtime its
    metadata says its connector jar is for (``flink-runtime``; None when it was published without it)."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in aws_errors.S3_MISSING:
            raise ArtifactNotFoundError(
                f"the Flink artifact s3://{bucket}/{key} does not exist: publish it first (`fanout artifact publish`)"
            ) from exc
        if error_code(exc) in aws_errors.S3_FORBIDDEN:
            raise AccessDeniedError(
                f"reading the Flink artifact s3://{bucket}/{key} was forbidden: the object may be missing (S3 answers "
                "403 for a missing key to a caller without s3:ListBucket) or the caller lacks s3:GetObject"
            ) from exc
        raise
    version = head.get("VersionId")
    runtime = (head.get("Metadata") or {}).get(RUNTIME_METADATA)
    return (None if version in (None, "null") else str(version)), runtime


def latest_artifact_version(s3: Any, bucket: str, key: str) -> str | None:
    """The current S3 object version of the code artifact (None on an unversioned bucket)."""
    return artifact_head(s3, bucket, key)[0]


def _check_artifact_runtime(spec: ApplicationSpec, shipped: str | None) -> None:
    if shipped is not None and shipped != spec.runtime:
        raise ArtifactRuntimeMismatchError(
            f"the artifact s3://{spec.artifact_bucket}/{spec.artifact_key} ships the connector of {shipped}, and the "
            f"stack runs {spec.runtime}: publish it with `fanout artifact publish --runtime {spec.runtime}`"
        )


def ensure_application(kda: Any, s3: Any, spec: ApplicationSpec) -> dict[str, Any]:
    """Create the application if it is missing, or point it at a new artifact version, or a newer runtime.

    Returns ``{"action": "created"|"updated"|"upgraded"|"unchanged"|"update-deferred", "status": ...}``.
    An update is made only while the application is READY; otherwise it is deferred. When the stack's runtime
    (``spec.runtime``) is newer than the application's, the update is an in-place upgrade (RuntimeEnvironmentUpdate)
    after the checks of fanout.lifecycle.compat; an older one is RuntimeDowngradeError. An artifact whose metadata
    names another runtime is ArtifactRuntimeMismatchError: its job would not start.
    """
    version, shipped = artifact_head(s3, spec.artifact_bucket, spec.artifact_key)
    wanted = spec.code_location(version)
    state = find_application(kda, spec.application_name)
    upgrade = state is not None and bool(state.runtime) and state.runtime != spec.runtime
    if state is not None and upgrade:
        check_runtime_change(state, spec.runtime)  # a downgrade is the first thing to say
        if shipped is None:
            _check_artifact_runtime(spec, "an unknown runtime (no flink-runtime metadata)")
    _check_artifact_runtime(spec, shipped)
    if state is None:
        with translated("CreateApplication"):
            try:
                kda.create_application(**spec.create_request(version))
            except ClientError as exc:
                if error_code(exc) != "ResourceInUseException":
                    raise
                # Another caller created it in between: that is what we wanted.
        state = describe_application(kda, spec.application_name)
        return {"action": "created", "status": state.status, "versionId": state.version_id, "code": wanted}
    if state.status in UNHANDLED_STATUSES:
        raise _unhandled(state.name, state.status, "use")
    current = {k: state.code_location.get(k) for k in ("BucketARN", "FileKey", "ObjectVersion")}
    if not upgrade and {k: v for k, v in current.items() if v} == wanted:
        return {"action": "unchanged", "status": state.status, "versionId": state.version_id, "code": wanted}
    if state.status != ApplicationStatus.READY:
        return {"action": "update-deferred", "status": state.status, "versionId": state.version_id, "code": wanted}
    request = spec.update_request(state.version_id, version)
    if upgrade:
        request["RuntimeEnvironmentUpdate"] = spec.runtime
    with translated("UpdateApplication"):
        kda.update_application(**request)
    state = describe_application(kda, spec.application_name)
    action = "upgraded" if upgrade else "updated"
    return {"action": action, "status": state.status, "versionId": state.version_id, "code": wanted}


def snapshot_summaries(kda: Any, name: str) -> list[dict[str, Any]]:
    """Every snapshot summary of the application, across ListApplicationSnapshots pages (50 a page)."""
    summaries: list[dict[str, Any]] = []
    with translated("ListApplicationSnapshots"):
        for page in kda.get_paginator("list_application_snapshots").paginate(
            ApplicationName=name, PaginationConfig={"PageSize": 50}
        ):
            summaries.extend(page.get("SnapshotSummaries", []))
    return summaries


def has_snapshot(kda: Any, name: str) -> bool:
    """Whether the application has at least one READY snapshot to restore from."""
    return any(s.get("SnapshotStatus") == SnapshotStatus.READY for s in snapshot_summaries(kda, name))


def _aware(text: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; UTC when it has none); InvalidRequestError when it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidRequestError(f"{text!r} is not an ISO 8601 time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start_application(kda: Any, name: str) -> dict[str, Any]:
    """Start the application, restoring from its latest snapshot when it has one.

    The restore type is always explicit. RUNNING or STARTING is a no-op.
    """
    state = describe_application(kda, name)
    if state.status in {ApplicationStatus.RUNNING, ApplicationStatus.STARTING}:
        return StepResult.noop(state.status).to_dict()
    if state.status in UNHANDLED_STATUSES:
        raise _unhandled(state.name, state.status, "start")
    if state.status != ApplicationStatus.READY:
        raise ApplicationBusyError(f"application {name!r} is {state.status}; it can start once it is READY")
    restore = RESTORE_FROM_LATEST if has_snapshot(kda, name) else SKIP_RESTORE
    with translated("StartApplication"):
        response = kda.start_application(
            ApplicationName=name,
            RunConfiguration={
                "ApplicationRestoreConfiguration": {"ApplicationRestoreType": restore},
                "FlinkRunConfiguration": {"AllowNonRestoredState": False},
            },
        )
    return StepResult(
        "started", ApplicationStatus.STARTING, response.get("OperationId"), restore_type=restore
    ).to_dict()


def stop_application(
    kda: Any,
    name: str,
    *,
    force: bool = False,
    defer_since: str | None = None,
    ceiling_seconds: int | None = None,
    must_exist: bool = False,
) -> dict[str, Any]:
    """Stop the application with a snapshot (or force it). READY, STOPPING or missing is a no-op.

    With ``defer_since`` (when the stop was first asked, ISO 8601), a STARTING, UPDATING, AUTOSCALING or
    MAINTENANCE application is not an error: the result is ``action: "deferred"`` and the caller asks again
    later; once ``ceiling_seconds`` have passed since ``defer_since``, TransitionTimedOutError.
    ``must_exist`` (the end of a run window): a missing application is ApplicationVanishedError, not a no-op.
    """
    state = find_application(kda, name)
    if state is None:
        if must_exist:
            raise ApplicationVanishedError(
                f"application {name!r} is gone at the end of its run window: it was deleted while it ran, with its "
                "snapshots; the next run creates it again and reads from the last clean stop (less the resume "
                "margin), so what this window routed is routed again"
            )
        return StepResult.noop(ApplicationStatus.DELETED).to_dict()
    if state.status in {ApplicationStatus.READY, ApplicationStatus.STOPPING, ApplicationStatus.FORCE_STOPPING}:
        return StepResult.noop(state.status).to_dict()
    if not force and defer_since is not None and state.status in DEFERRABLE_STOP_STATUSES:
        waited = (datetime.now(UTC) - _aware(defer_since)).total_seconds()
        if ceiling_seconds is not None and waited > ceiling_seconds:
            raise TransitionTimedOutError(
                f"application {name!r} has been {state.status} for {waited:.0f} s since the stop was asked, past "
                f"the {ceiling_seconds} s ceiling: it is still billed"
            )
        return StepResult("deferred", state.status, since=defer_since).to_dict()
    if force:
        if state.status not in FORCE_STOPPABLE:
            return StepResult.noop(state.status).to_dict()
    elif state.status in UNHANDLED_STATUSES:
        raise _unhandled(state.name, state.status, "stop")
    elif state.status != ApplicationStatus.RUNNING:
        raise ApplicationBusyError(f"application {name!r} is {state.status}; it can stop once it is RUNNING")
    with translated("StopApplication"):
        response = kda.stop_application(ApplicationName=name, Force=force)
    action, status = (
        ("force-stopped", ApplicationStatus.FORCE_STOPPING) if force else ("stopped", ApplicationStatus.STOPPING)
    )
    return StepResult(action, status, response.get("OperationId")).to_dict()


def delete_application(kda: Any, name: str) -> dict[str, Any]:
    """Delete a READY application with its CreateTimestamp. Missing or DELETING is a no-op."""
    try:
        with translated("DescribeApplication"):
            detail = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
    except ApplicationNotFoundError:
        return StepResult.noop(ApplicationStatus.DELETED).to_dict()
    status = detail["ApplicationStatus"]
    if status == ApplicationStatus.DELETING:
        return StepResult.noop(status).to_dict()
    if status in UNHANDLED_STATUSES:
        raise _unhandled(name, status, "delete")
    if status != ApplicationStatus.READY:
        raise ApplicationBusyError(f"application {name!r} is {status}; stop it before deleting it")
    try:
        with translated("DeleteApplication"):
            kda.delete_application(ApplicationName=name, CreateTimestamp=detail["CreateTimestamp"])
    except ApplicationNotFoundError:
        return StepResult.noop(ApplicationStatus.DELETED).to_dict()
    return StepResult("deleted", ApplicationStatus.DELETING).to_dict()


def operation_status(kda: Any, name: str, operation_id: str) -> tuple[str, str]:
    """The status of an operation and its error string (empty when it has none)."""
    with translated("DescribeApplicationOperation"):
        op = kda.describe_application_operation(ApplicationName=name, OperationId=operation_id)[
            "ApplicationOperationInfoDetails"
        ]
    failure = ((op.get("OperationFailureDetails") or {}).get("ErrorInfo") or {}).get("ErrorString", "")
    return str(op.get("OperationStatus", "")), str(failure)


def prune_snapshots(kda: Any, name: str, keep: int) -> list[str]:
    """Delete all but the newest `keep` snapshots; returns the names deleted."""
    ready = sorted(
        (s for s in snapshot_summaries(kda, name) if s.get("SnapshotStatus") == SnapshotStatus.READY),
        key=lambda s: s.get("SnapshotCreationTimestamp") or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    deleted = []
    for snap in ready[max(keep, 1) :]:
        with translated("DeleteApplicationSnapshot"):
            kda.delete_application_snapshot(
                ApplicationName=name,
                SnapshotName=snap["SnapshotName"],
                SnapshotCreationTimestamp=snap["SnapshotCreationTimestamp"],
            )
        deleted.append(str(snap["SnapshotName"]))
    return deleted
