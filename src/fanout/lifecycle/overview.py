"""What `fanout app status` shows: the application, its last operation, its snapshots, since when it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from fanout.lifecycle.errors import translated
from fanout.lifecycle.models import ApplicationState
from fanout.lifecycle.service import find_application, snapshot_summaries
from fanout.lifecycle.status import BILLED_STATUSES, ApplicationStatus
from fanout.runtimes import restart_metric


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    return None


class OperationInfo(BaseModel):
    """One entry of ListApplicationOperations."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    operation: str
    operation_id: str
    status: str
    start: datetime | None = None
    end: datetime | None = None


class SnapshotInfo(BaseModel):
    """One entry of ListApplicationSnapshots."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    name: str
    status: str
    created: datetime | None = None
    version_id: int = 0


class ApplicationOverview(BaseModel):
    """The application with its recent operations and snapshots (``exists`` False when it is not created)."""

    name: str
    exists: bool
    state: ApplicationState | None = None
    operations: list[OperationInfo] = Field(default_factory=list)
    snapshots: list[SnapshotInfo] = Field(default_factory=list)
    restarts: int | None = None  # the job's fullRestarts (CloudWatch), None when unknown

    @property
    def status(self) -> str:
        """The application status, or NOT_CREATED."""
        return self.state.status if self.state else "NOT_CREATED"

    @property
    def last_operation(self) -> OperationInfo | None:
        """The most recent operation (newest start time)."""
        return self.operations[0] if self.operations else None

    def running_since(self) -> datetime | None:
        """When the current billed stretch began: the start time of the start operation that led here."""
        if self.status not in BILLED_STATUSES:
            return None
        starts = [op for op in self.operations if op.operation == "StartApplication" and op.start]
        return starts[0].start if starts else None


def list_operations(kda: Any, name: str, limit: int = 20) -> list[OperationInfo]:
    """The application's recent operations, newest first."""
    with translated("ListApplicationOperations"):
        items = kda.list_application_operations(ApplicationName=name, Limit=limit).get(
            "ApplicationOperationInfoList", []
        )
    ops = [
        OperationInfo(
            operation=str(i.get("Operation", "")),
            operation_id=str(i.get("OperationId", "")),
            status=str(i.get("OperationStatus", "")),
            start=_time(i.get("StartTime")),
            end=_time(i.get("EndTime")),
        )
        for i in items
    ]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(ops, key=lambda op: op.start or oldest, reverse=True)


def list_snapshots(kda: Any, name: str) -> list[SnapshotInfo]:
    """The application's snapshots, newest first."""
    items = snapshot_summaries(kda, name)
    snaps = [
        SnapshotInfo(
            name=str(s.get("SnapshotName", "")),
            status=str(s.get("SnapshotStatus", "")),
            created=_time(s.get("SnapshotCreationTimestamp")),
            version_id=int(s.get("ApplicationVersionId", 0)),
        )
        for s in items
    ]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(snaps, key=lambda s: s.created or oldest, reverse=True)


def application_overview(kda: Any, name: str, cloudwatch: Any | None = None) -> ApplicationOverview:
    """Describe the application, its operations and snapshots (and, with ``cloudwatch``, how often its job
    restarted); a missing application is ``exists=False``.

    Example: ``application_overview(boto3.client("kinesisanalyticsv2"), "kinesis-fanout-fanout").status``
    """
    state = find_application(kda, name)
    if state is None:
        return ApplicationOverview(name=name, exists=False)
    return ApplicationOverview(
        name=name,
        exists=True,
        state=state,
        operations=list_operations(kda, name),
        snapshots=list_snapshots(kda, name),
        restarts=job_restarts(cloudwatch, name, metric=restart_metric(state.runtime))
        if cloudwatch is not None
        else None,
    )


def job_restarts(
    cloudwatch: Any, name: str, hours: int = 3, metric: str = "fullRestarts", since: datetime | None = None
) -> int | None:
    """The job's restart count (``metric``: fullRestarts, numRestarts on Flink 2.2; Managed Flink's count since the
    job was submitted) over the last ``hours`` (or ``since``); None when there is no datapoint or CloudWatch cannot
    be read (a status never fails for it)."""
    now = datetime.now(UTC)
    try:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/KinesisAnalytics",
            MetricName=metric,
            Dimensions=[{"Name": "Application", "Value": name}],
            StartTime=since or now - timedelta(hours=hours),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        ).get("Datapoints", [])
    except (ClientError, BotoCoreError):
        return None
    return int(max(point["Maximum"] for point in points)) if points else None


def toggle_target(status: str) -> str | None:
    """What `toggle` does from `status`: "start" from READY, "stop" from RUNNING, None otherwise."""
    if status == ApplicationStatus.READY:
        return "start"
    if status == ApplicationStatus.RUNNING:
        return "stop"
    return None


def toggle_explanation(status: str) -> str:
    """Why `toggle` does nothing in a transient (or unhandled) status, and what to do instead."""
    known = ApplicationStatus.parse(status)
    if known is not None and (known.transient or known.unhandled):
        return known.hint
    return f"it is {status}, which toggle does not handle; see `fanout app status`."
