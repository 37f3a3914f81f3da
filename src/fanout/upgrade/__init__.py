"""The in-place runtime upgrade (UpdateApplication with RuntimeEnvironmentUpdate) and its rollback.

As Managed Flink documents it: an application upgrades from READY or RUNNING; a RUNNING one goes UPDATING and
back to RUNNING on the new runtime, restoring its snapshot. State moves one way (1.x to 2.x). When the upgraded
job does not run (its operation fails, it keeps restarting, or it never settles), RollbackApplication goes back
to the previous version and its runtime, restarting from the last snapshot that runtime can read.

``plan_upgrade`` checks everything first and changes nothing; ``upgrade_application`` runs the plan: a snapshot
(RUNNING), UpdateApplication, the wait, a watch of the job's restart count, and the rollback and notification
when the job does not run. `fanout app upgrade` runs it; the lifecycle's create step shares its checks
(fanout.lifecycle.compat). It is tooling, not core: the Lambdas do not ship it (it reads the zip, fanout.artifact).

Example:
    >>> plan = plan_upgrade(kda, s3, "kinesis-fanout-fanout", "FLINK-2_2")
    >>> report = upgrade_application(clients, plan, UpgradeOptions(watch_seconds=120))
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fanout.artifact.exceptions import ArtifactError
from fanout.artifact.inspect import object_runtime
from fanout.lifecycle.compat import check_runtime_change
from fanout.lifecycle.errors import translated
from fanout.lifecycle.exceptions import (
    ApplicationBusyError,
    ArtifactRuntimeMismatchError,
    LifecycleError,
    TransitionTimedOutError,
    UnexpectedApplicationStatusError,
    UpgradeCheckError,
    UpgradeRolledBackError,
)
from fanout.lifecycle.models import Target
from fanout.lifecycle.overview import job_restarts, list_snapshots
from fanout.lifecycle.service import describe_application, latest_artifact_version, snapshot_summaries
from fanout.lifecycle.spec import RUN_OPTIONS_GROUP
from fanout.lifecycle.status import UNHANDLED_STATUSES, ApplicationStatus, SnapshotStatus
from fanout.lifecycle.transitions import follow_transition
from fanout.runtimes import check_runtime, restart_metric

Progress = Callable[[str], None]


@dataclass(frozen=True)
class UpgradePlan:
    """What the upgrade changes, checked: the application, both runtimes, and the artifact version to run."""

    application: str
    from_runtime: str
    to_runtime: str
    status: str
    version_id: int
    bucket_arn: str
    key: str
    artifact_version: str | None
    jar_file: str
    property_groups: list[dict[str, Any]]
    restore_snapshot: str | None  # READY: the snapshot the next start restores (RUNNING: the one taken first)

    @property
    def noop(self) -> bool:
        """The application already runs the runtime asked for."""
        return self.from_runtime == self.to_runtime

    def request(self, version_id: int | None = None) -> dict[str, Any]:
        """The UpdateApplication request: the runtime, the code (pinned to its version) and the jarfile option."""
        location: dict[str, str] = {"BucketARNUpdate": self.bucket_arn, "FileKeyUpdate": self.key}
        if self.artifact_version:
            location["ObjectVersionUpdate"] = self.artifact_version
        return {
            "ApplicationName": self.application,
            "CurrentApplicationVersionId": version_id or self.version_id,
            "RuntimeEnvironmentUpdate": self.to_runtime,
            "ApplicationConfigurationUpdate": {
                "ApplicationCodeConfigurationUpdate": {
                    "CodeContentTypeUpdate": "ZIPFILE",
                    "CodeContentUpdate": {"S3ContentLocationUpdate": location},
                },
                "EnvironmentPropertyUpdates": {"PropertyGroups": self.property_groups},
            },
        }


@dataclass(frozen=True)
class UpgradeOptions:
    """How long to wait and watch, and whether to roll back a job that does not run."""

    watch_seconds: float = 120.0
    timeout_seconds: float = 1200.0
    poll_seconds: float = 5.0
    rollback: bool = True
    notify_topic_arn: str | None = None


@dataclass
class UpgradeReport:
    """What happened: each step, the outcome, and (after a rollback) why."""

    application: str
    from_runtime: str
    to_runtime: str
    outcome: str = "pending"  # upgraded | upgraded-while-ready | rolled-back | failed | unchanged
    snapshot: str | None = None
    version_id: int | None = None
    restarts: int = 0
    reason: str = ""
    notified: bool = False
    steps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `fanout app upgrade --json` and of the notification."""
        return {
            "application": self.application,
            "fromRuntime": self.from_runtime,
            "toRuntime": self.to_runtime,
            "outcome": self.outcome,
            "snapshot": self.snapshot,
            "versionId": self.version_id,
            "restarts": self.restarts,
            "reason": self.reason,
            "notified": self.notified,
            "steps": self.steps,
        }


@dataclass(frozen=True)
class UpgradeClients:
    """The clients an upgrade uses (SNS only to notify a rollback)."""

    kda: Any
    s3: Any
    cloudwatch: Any
    sns: Any | None = None


def _bucket_name(bucket_arn: str) -> str:
    return bucket_arn.rsplit(":", 1)[-1]


def _with_jarfile(groups: list[dict[str, Any]], jar_file: str) -> list[dict[str, Any]]:
    """The property groups with the run options' ``jarfile`` naming ``jar_file`` (everything else unchanged)."""
    updated = [
        {"PropertyGroupId": g["PropertyGroupId"], "PropertyMap": dict(g.get("PropertyMap") or {})} for g in groups
    ]
    run = next((g for g in updated if g["PropertyGroupId"] == RUN_OPTIONS_GROUP), None)
    if run is None:
        raise UpgradeCheckError(f"the application has no {RUN_OPTIONS_GROUP} property group: it is not this project's")
    run["PropertyMap"]["jarfile"] = jar_file
    return updated


def check_artifact_runtime(s3: Any, bucket: str, key: str, version: str | None, runtime: str) -> str:
    """The connector jar of the artifact at ``version``, when it is ``runtime``'s; ArtifactRuntimeMismatchError
    otherwise (its job would fail to start)."""
    try:
        contents = object_runtime(s3, bucket, key, version)
    except ArtifactError as exc:
        raise UpgradeCheckError(f"cannot read the artifact s3://{bucket}/{key}: {exc}") from exc
    if contents.runtime != runtime or contents.jar is None:
        shipped = f"the connector of {contents.runtime}" if contents.runtime else "no Kinesis connector jar"
        raise ArtifactRuntimeMismatchError(
            f"the artifact s3://{bucket}/{key}" + (f" version {version}" if version else "") + f" ships {shipped}; "
            f"{runtime} needs its own: publish it with `fanout artifact publish --runtime {runtime}`"
        )
    return contents.jar


def _latest_snapshot(kda: Any, name: str) -> str | None:
    """The newest READY snapshot's name: what the next start restores."""
    return next((snap.name for snap in list_snapshots(kda, name) if snap.status == SnapshotStatus.READY), None)


def plan_upgrade(kda: Any, s3: Any, name: str, target: str, *, artifact_version: str | None = None) -> UpgradePlan:
    """Check that ``name`` can move to ``target`` in place, changing nothing; the plan to run.

    Checks: the runtime is supported and newer (RuntimeDowngradeError), the application is READY or RUNNING,
    snapshots are on and the saved connector state restores on 2.x (UpgradeCheckError), and the artifact
    (its newest version, or ``artifact_version``) ships ``target``'s connector (ArtifactRuntimeMismatchError).
    """
    target = check_runtime(target)
    state = describe_application(kda, name)
    plan = UpgradePlan(
        application=name,
        from_runtime=state.runtime,
        to_runtime=target,
        status=state.status,
        version_id=state.version_id,
        bucket_arn=state.code_location.get("BucketARN", ""),
        key=state.code_location.get("FileKey", ""),
        artifact_version=None,
        jar_file="",
        property_groups=[],
        restore_snapshot=None,
    )
    if plan.noop:
        return plan
    check_runtime_change(state, target)
    if state.status in UNHANDLED_STATUSES:
        raise UnexpectedApplicationStatusError(f"cannot upgrade application {name!r} while it is {state.status}")
    if state.status not in {ApplicationStatus.READY, ApplicationStatus.RUNNING}:
        raise ApplicationBusyError(f"application {name!r} is {state.status}; it can upgrade once READY or RUNNING")
    bucket = _bucket_name(plan.bucket_arn)
    version = artifact_version or latest_artifact_version(s3, bucket, plan.key)
    jar = check_artifact_runtime(s3, bucket, plan.key, version, target)
    return replace(
        plan,
        artifact_version=version,
        jar_file=jar,
        property_groups=_with_jarfile(state.property_groups, jar),
        restore_snapshot=_latest_snapshot(kda, name) if state.status == ApplicationStatus.READY else None,
    )


def take_snapshot(
    kda: Any, name: str, *, timeout: float, poll: float, sleep: Callable[[float], None] = time.sleep
) -> str:
    """CreateApplicationSnapshot (AWS advises one before an upgrade) and wait until it is READY; its name."""
    snapshot = f"pre-upgrade-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    with translated("CreateApplicationSnapshot"):
        kda.create_application_snapshot(ApplicationName=name, SnapshotName=snapshot)
    deadline = time.monotonic() + timeout
    while True:
        status = next(
            (s.get("SnapshotStatus") for s in snapshot_summaries(kda, name) if s.get("SnapshotName") == snapshot), None
        )
        if status == SnapshotStatus.READY:
            return snapshot
        if status == SnapshotStatus.FAILED:
            raise UpgradeCheckError(f"the snapshot {snapshot} before the upgrade FAILED: nothing was changed")
        if time.monotonic() > deadline:
            raise TransitionTimedOutError(f"the snapshot {snapshot} was not READY after {timeout:.0f} s")
        sleep(poll)


def _wait_running(kda: Any, name: str, operation_id: str | None, options: UpgradeOptions) -> None:
    for _ in follow_transition(
        kda,
        name,
        Target.RUNNING,
        operation_id=operation_id,
        timeout_seconds=options.timeout_seconds,
        poll_seconds=options.poll_seconds,
    ):
        pass


def watch_job(
    kda: Any,
    cloudwatch: Any,
    name: str,
    runtime: str,
    since: datetime,
    options: UpgradeOptions,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Watch the job for ``watch_seconds``: its restart count since ``since`` (0 when it ran clean); stops at the
    first restart, or when the application leaves RUNNING (UnexpectedApplicationStatusError)."""
    deadline = time.monotonic() + options.watch_seconds
    metric = restart_metric(runtime)
    while True:
        restarts = job_restarts(cloudwatch, name, metric=metric, since=since) or 0
        if restarts:
            return restarts
        status = describe_application(kda, name).status
        if status != ApplicationStatus.RUNNING:
            raise UnexpectedApplicationStatusError(f"application {name!r} went {status} while its job was watched")
        if time.monotonic() >= deadline:
            return 0
        sleep(min(options.poll_seconds, max(deadline - time.monotonic(), 0.0)))


def rollback_application(kda: Any, name: str) -> dict[str, Any]:
    """RollbackApplication to the previous version (from READY, RUNNING, or a stuck UPDATING); its operation."""
    state = describe_application(kda, name)
    with translated("RollbackApplication"):
        response = kda.rollback_application(ApplicationName=name, CurrentApplicationVersionId=state.version_id)
    detail = response.get("ApplicationDetail") or {}
    return {
        "operationId": response.get("OperationId"),
        "status": detail.get("ApplicationStatus", state.status),
        "versionId": detail.get("ApplicationVersionId"),
        "runtime": detail.get("RuntimeEnvironment"),
    }


def notify(sns: Any, topic_arn: str, report: UpgradeReport) -> bool:
    """Publish the report to ``topic_arn`` (the stack's FailureTopic); False when it could not be sent."""
    subject = f"kinesis-fanout: upgrade of {report.application} to {report.to_runtime} {report.outcome}"
    try:
        sns.publish(TopicArn=topic_arn, Subject=subject[:100], Message=json.dumps(report.to_dict(), indent=2))
    except Exception:  # the rollback already happened; a lost notification must not hide it
        return False
    return True


def upgrade_application(
    clients: UpgradeClients, plan: UpgradePlan, options: UpgradeOptions, progress: Progress | None = None
) -> UpgradeReport:
    """Run ``plan``: snapshot (RUNNING), UpdateApplication, wait for RUNNING, watch the job; on a failure, roll back
    (unless ``options.rollback`` is off), wait, notify, and raise UpgradeRolledBackError.

    A READY application is upgraded in place and left READY: its next start runs the new runtime.
    """
    report = UpgradeReport(plan.application, plan.from_runtime, plan.to_runtime, snapshot=plan.restore_snapshot)

    def step(text: str) -> None:
        report.steps.append(text)
        if progress is not None:
            progress(text)

    if plan.noop:
        report.outcome = "unchanged"
        step(f"{plan.application} already runs {plan.to_runtime}")
        return report
    kda = clients.kda
    running = plan.status == ApplicationStatus.RUNNING
    if running:
        step("taking a snapshot before the upgrade")
        report.snapshot = take_snapshot(
            kda, plan.application, timeout=options.timeout_seconds, poll=options.poll_seconds
        )
        step(f"snapshot {report.snapshot} is READY")
    version_id = describe_application(kda, plan.application).version_id
    since = datetime.now(UTC)
    with translated("UpdateApplication"):
        response = kda.update_application(**plan.request(version_id))
    report.version_id = int((response.get("ApplicationDetail") or {}).get("ApplicationVersionId") or version_id + 1)
    step(f"UpdateApplication to {plan.to_runtime} (version {report.version_id}, artifact {plan.artifact_version})")
    if not running:
        report.outcome = "upgraded-while-ready"
        step(f"READY on {plan.to_runtime}: the next start restores {plan.restore_snapshot or 'no snapshot'}")
        return report
    try:
        _wait_running(kda, plan.application, response.get("OperationId"), options)
        step(f"RUNNING on {plan.to_runtime}; watching the job for {options.watch_seconds:g} s")
        report.restarts = watch_job(kda, clients.cloudwatch, plan.application, plan.to_runtime, since, options)
        if report.restarts:
            raise UpgradeRolledBackError(
                f"the job restarted {report.restarts} time(s) on {plan.to_runtime} ({restart_metric(plan.to_runtime)})"
            )
    except LifecycleError as exc:
        report.reason = str(exc)
        if not options.rollback:
            report.outcome = "failed"
            step(f"the upgraded job does not run ({exc}); left as it is (--no-rollback)")
            raise UpgradeRolledBackError(f"the upgrade failed and was not rolled back: {exc}") from exc
        _roll_back(clients, plan, options, report, step)
        raise UpgradeRolledBackError(
            f"the upgrade of {plan.application} to {plan.to_runtime} failed ({report.reason}); it runs "
            f"{plan.from_runtime} again, from its last {plan.from_runtime} snapshot"
            + ("" if report.notified or not options.notify_topic_arn else " (the notification could not be sent)")
        ) from exc
    report.outcome = "upgraded"
    step(f"the job ran {options.watch_seconds:g} s on {plan.to_runtime} with no restart")
    return report


def _roll_back(
    clients: UpgradeClients,
    plan: UpgradePlan,
    options: UpgradeOptions,
    report: UpgradeReport,
    step: Callable[[str], None],
) -> None:
    step(f"rolling back: {report.reason}")
    rolled = rollback_application(clients.kda, plan.application)
    _wait_running(clients.kda, plan.application, rolled.get("operationId"), options)
    state = describe_application(clients.kda, plan.application)
    report.outcome = "rolled-back"
    report.version_id = state.version_id
    step(f"rolled back: RUNNING on {state.runtime} (version {state.version_id})")
    if clients.sns is not None and options.notify_topic_arn:
        report.notified = notify(clients.sns, options.notify_topic_arn, report)
        step("notified " + options.notify_topic_arn if report.notified else "the notification could not be sent")
