"""Lifecycle operations on the Flink application. Each takes its boto3 client and is idempotent.

Used by the state machine's Lambda handlers and by the `fanout app` commands alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from fanout.lifecycle.errors import error_code, translated
from fanout.lifecycle.exceptions import (
    AccessDeniedError,
    ApplicationBusyError,
    ApplicationNotFoundError,
    ApplicationVanishedError,
    ArtifactNotFoundError,
    InvalidRequestError,
    TransitionTimedOutError,
    UnexpectedApplicationStatusError,
)
from fanout.lifecycle.models import ApplicationState
from fanout.lifecycle.spec import ApplicationSpec

RESTORE_FROM_LATEST = "RESTORE_FROM_LATEST_SNAPSHOT"
SKIP_RESTORE = "SKIP_RESTORE_FROM_SNAPSHOT"

TRANSIENT_STATUSES = frozenset(
    {"STARTING", "STOPPING", "UPDATING", "AUTOSCALING", "FORCE_STOPPING", "ROLLING_BACK", "DELETING"}
)
UNHANDLED_STATUSES = frozenset({"MAINTENANCE", "ROLLED_BACK"})
FORCE_STOPPABLE = frozenset({"STARTING", "UPDATING", "STOPPING", "AUTOSCALING", "RUNNING"})

_UNHANDLED_HINT = {
    "MAINTENANCE": "AWS is patching the application; it returns to its previous status by itself. "
    "Start the execution again once `fanout app status` shows READY or RUNNING.",
    "ROLLED_BACK": "the last update failed and was rolled back. Read the application's CloudWatch logs, "
    "fix the code or configuration, then update or delete the application.",
}


def _unhandled(name: str, status: str, wanted: str) -> UnexpectedApplicationStatusError:
    hint = _UNHANDLED_HINT.get(status, "")
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
    )


def find_application(kda: Any, name: str) -> ApplicationState | None:
    """Describe the application, or None when it does not exist."""
    try:
        return describe_application(kda, name)
    except ApplicationNotFoundError:
        return None


def latest_artifact_version(s3: Any, bucket: str, key: str) -> str | None:
    """The current S3 object version of the code artifact (None on an unversioned bucket)."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}:
            raise ArtifactNotFoundError(
                f"the Flink artifact s3://{bucket}/{key} does not exist: publish it first (`fanout artifact publish`)"
            ) from exc
        if error_code(exc) in {"403", "Forbidden", "AccessDenied"}:
            raise AccessDeniedError(
                f"reading the Flink artifact s3://{bucket}/{key} was forbidden: the object may be missing (S3 answers "
                "403 for a missing key to a caller without s3:ListBucket) or the caller lacks s3:GetObject"
            ) from exc
        raise
    version = head.get("VersionId")
    return None if version in (None, "null") else str(version)


def ensure_application(kda: Any, s3: Any, spec: ApplicationSpec) -> dict[str, Any]:
    """Create the application if it is missing, or point it at a new artifact version.

    Returns ``{"action": "created"|"updated"|"unchanged"|"update-deferred", "status": ...}``.
    An update is made only while the application is READY; otherwise it is deferred.
    """
    version = latest_artifact_version(s3, spec.artifact_bucket, spec.artifact_key)
    wanted = spec.code_location(version)
    state = find_application(kda, spec.application_name)
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
    if {k: v for k, v in current.items() if v} == wanted:
        return {"action": "unchanged", "status": state.status, "versionId": state.version_id, "code": wanted}
    if state.status != "READY":
        return {"action": "update-deferred", "status": state.status, "versionId": state.version_id, "code": wanted}
    with translated("UpdateApplication"):
        kda.update_application(
            ApplicationName=spec.application_name,
            CurrentApplicationVersionId=state.version_id,
            ApplicationConfigurationUpdate={
                "ApplicationCodeConfigurationUpdate": {
                    "CodeContentTypeUpdate": "ZIPFILE",
                    "CodeContentUpdate": {
                        "S3ContentLocationUpdate": {
                            "BucketARNUpdate": wanted["BucketARN"],
                            "FileKeyUpdate": wanted["FileKey"],
                            **({"ObjectVersionUpdate": wanted["ObjectVersion"]} if "ObjectVersion" in wanted else {}),
                        }
                    },
                },
                "EnvironmentPropertyUpdates": {"PropertyGroups": spec.property_groups()},
            },
        )
    state = describe_application(kda, spec.application_name)
    return {"action": "updated", "status": state.status, "versionId": state.version_id, "code": wanted}


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
    return any(s.get("SnapshotStatus") == "READY" for s in snapshot_summaries(kda, name))


def _aware(text: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; UTC when it has none); InvalidRequestError when it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidRequestError(f"{text!r} is not an ISO 8601 time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def start_application(kda: Any, name: str) -> dict[str, Any]:
    """Start the application, restoring from its latest snapshot when it has one.

    The restore type is always explicit. RUNNING or STARTING is a no-op.
    """
    state = describe_application(kda, name)
    if state.status in {"RUNNING", "STARTING"}:
        return {"action": "none", "status": state.status, "operationId": None, "since": _now()}
    if state.status in UNHANDLED_STATUSES:
        raise _unhandled(state.name, state.status, "start")
    if state.status != "READY":
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
    return {
        "action": "started",
        "status": "STARTING",
        "restoreType": restore,
        "operationId": response.get("OperationId"),
        "since": _now(),
    }


DEFERRABLE_STOP_STATUSES = frozenset({"STARTING", "UPDATING", "AUTOSCALING", "MAINTENANCE"})
"""Statuses a stop can wait out: each ends by itself in RUNNING (or READY), where the stop can go ahead."""


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
        return {"action": "none", "status": "DELETED", "operationId": None, "since": _now()}
    if state.status in {"READY", "STOPPING", "FORCE_STOPPING"}:
        return {"action": "none", "status": state.status, "operationId": None, "since": _now()}
    if not force and defer_since is not None and state.status in DEFERRABLE_STOP_STATUSES:
        waited = (datetime.now(UTC) - _aware(defer_since)).total_seconds()
        if ceiling_seconds is not None and waited > ceiling_seconds:
            raise TransitionTimedOutError(
                f"application {name!r} has been {state.status} for {waited:.0f} s since the stop was asked, past "
                f"the {ceiling_seconds} s ceiling: it is still billed"
            )
        return {"action": "deferred", "status": state.status, "operationId": None, "since": defer_since}
    if force:
        if state.status not in FORCE_STOPPABLE:
            return {"action": "none", "status": state.status, "operationId": None, "since": _now()}
    elif state.status in UNHANDLED_STATUSES:
        raise _unhandled(state.name, state.status, "stop")
    elif state.status != "RUNNING":
        raise ApplicationBusyError(f"application {name!r} is {state.status}; it can stop once it is RUNNING")
    with translated("StopApplication"):
        response = kda.stop_application(ApplicationName=name, Force=force)
    return {
        "action": "force-stopped" if force else "stopped",
        "status": "FORCE_STOPPING" if force else "STOPPING",
        "operationId": response.get("OperationId"),
        "since": _now(),
    }


def delete_application(kda: Any, name: str) -> dict[str, Any]:
    """Delete a READY application with its CreateTimestamp. Missing or DELETING is a no-op."""
    try:
        with translated("DescribeApplication"):
            detail = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
    except ApplicationNotFoundError:
        return {"action": "none", "status": "DELETED", "operationId": None, "since": _now()}
    status = detail["ApplicationStatus"]
    if status == "DELETING":
        return {"action": "none", "status": status, "operationId": None, "since": _now()}
    if status in UNHANDLED_STATUSES:
        raise _unhandled(name, status, "delete")
    if status != "READY":
        raise ApplicationBusyError(f"application {name!r} is {status}; stop it before deleting it")
    try:
        with translated("DeleteApplication"):
            kda.delete_application(ApplicationName=name, CreateTimestamp=detail["CreateTimestamp"])
    except ApplicationNotFoundError:
        return {"action": "none", "status": "DELETED", "operationId": None, "since": _now()}
    return {"action": "deleted", "status": "DELETING", "operationId": None, "since": _now()}


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
        (s for s in snapshot_summaries(kda, name) if s.get("SnapshotStatus") == "READY"),
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
