"""A local Managed Service for Apache Flink: the kinesisanalyticsv2 control plane, with AWS's statuses.

Transitions are lazy: each call first applies the transitions whose delay has passed, so no thread runs.
Listeners hear every status change; the offline runtime uses them to run the job while RUNNING and
to capture the per-shard positions a snapshot holds.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fanout.lifecycle.status import FORCE_STOPPABLE, ApplicationStatus, OperationStatus, SnapshotStatus
from fanout.localcloud.exceptions import LocalServiceError
from fanout.runtimes import DEFAULT_RUNTIME, runtime_version


@dataclass
class TransitionDelays:
    """Seconds each transition takes locally (AWS takes minutes; these default to short)."""

    start: float = 0.5
    stop: float = 0.5
    update: float = 0.2
    delete: float = 0.2


@dataclass
class Operation:
    """One operation, as DescribeApplicationOperation reports it."""

    operation_id: str
    operation: str
    status: str = OperationStatus.IN_PROGRESS
    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    end: datetime | None = None
    error: str = ""


@dataclass
class Snapshot:
    """A snapshot: its name and the state it holds (the source's per-shard positions)."""

    name: str
    version_id: int
    created: datetime
    state: dict[str, Any] = field(default_factory=dict)
    status: str = SnapshotStatus.READY
    runtime: str = DEFAULT_RUNTIME  # the application's RuntimeEnvironment when it was taken


@dataclass
class _Pending:
    to: str
    due: float
    operation_id: str | None
    fail: str = ""
    snapshot: bool = False
    hang: bool = False


@dataclass
class LocalApplication:
    """One application and everything the control plane knows about it."""

    name: str
    arn: str
    request: dict[str, Any]
    status: str = ApplicationStatus.READY
    version_id: int = 1
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    operations: dict[str, Operation] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    run_configuration: dict[str, Any] = field(default_factory=dict)  # of the last StartApplication
    restore_type: str = ""
    restored_from: Snapshot | None = None
    pending: _Pending | None = None
    previous: list[dict[str, Any]] = field(default_factory=list)  # the requests of earlier versions (rollback)

    @property
    def runtime(self) -> str:
        """The RuntimeEnvironment it runs."""
        return str(self.request.get("RuntimeEnvironment") or DEFAULT_RUNTIME)

    @property
    def configuration(self) -> dict[str, Any]:
        """The ApplicationConfiguration the application was created (and updated) with."""
        return dict(self.request.get("ApplicationConfiguration") or {})

    def property_groups(self) -> dict[str, dict[str, str]]:
        """Runtime properties by group id, as application_properties.json holds them."""
        groups = (self.configuration.get("EnvironmentProperties") or {}).get("PropertyGroups") or []
        return {g["PropertyGroupId"]: dict(g.get("PropertyMap") or {}) for g in groups}

    @property
    def snapshots_enabled(self) -> bool:
        """Whether stopping takes a snapshot."""
        return bool((self.configuration.get("ApplicationSnapshotConfiguration") or {}).get("SnapshotsEnabled"))


Listener = Callable[[LocalApplication, str, str], None]


class Faults:
    """Failures to inject, each consumed when it fires."""

    def __init__(self) -> None:
        self.api_errors: dict[str, list[tuple[str, str]]] = {}
        self.failed_starts: list[str] = []
        self.failed_stops: list[str] = []
        self.hung: dict[str, int] = {}
        self.failing_runtimes: dict[str, str] = {}

    def fail_api(self, action: str, code: str = "ResourceInUseException", *, times: int = 1, message: str = "") -> None:
        """Make the next `times` calls of `action` (for example "StartApplication") raise `code`."""
        text = message or f"injected {code} for {action}"
        self.api_errors.setdefault(action, []).extend([(code, text)] * times)

    def fail_next_start(self, message: str = "injected failure: the job did not start") -> None:
        """The next start goes STARTING, then back to READY with a FAILED operation."""
        self.failed_starts.append(message)

    def fail_next_stop(self, message: str = "injected failure: the snapshot could not be taken") -> None:
        """The next (non-forced) stop goes STOPPING, then back to RUNNING with a FAILED operation."""
        self.failed_stops.append(message)

    def fail_jobs_on(
        self, runtime: str, message: str = "injected failure: the job cannot restore its state on this runtime"
    ) -> None:
        """Every job started on ``runtime`` fails as it starts, and so restarts for ever (the application stays
        RUNNING): a job that cannot restore its state after an upgrade, the failure RollbackApplication is for."""
        self.failing_runtimes[runtime] = message

    def job_failure(self, runtime: str) -> str:
        """Why a job on ``runtime`` fails as it starts ("" when nothing is armed)."""
        return self.failing_runtimes.get(runtime, "")

    def hang_next(self, transition: str = "start", *, times: int = 1) -> None:
        """The next `transition` ("start", "stop", "update", "delete") never completes."""
        self.hung[transition] = self.hung.get(transition, 0) + times

    def take_hang(self, transition: str) -> bool:
        """Consume a hang for `transition`, if one is armed."""
        if self.hung.get(transition, 0) > 0:
            self.hung[transition] -= 1
            return True
        return False

    def raise_for(self, action: str) -> None:
        """Raise the next armed API error of `action`, if any."""
        queue = self.api_errors.get(action)
        if queue:
            code, message = queue.pop(0)
            raise LocalServiceError(code, message)


class LocalFlink:
    """The control plane of the local Managed Flink, for one account and region."""

    def __init__(
        self,
        account: str,
        region: str,
        delays: TransitionDelays | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account = account
        self.region = region
        self.delays = delays or TransitionDelays()
        self.clock = clock
        self.faults = Faults()
        self.listeners: list[Listener] = []
        self.snapshot_state: Callable[[LocalApplication], dict[str, Any]] | None = None
        self._apps: dict[str, LocalApplication] = {}
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- helpers
    def _arn(self, name: str) -> str:
        return f"arn:aws:kinesisanalytics:{self.region}:{self.account}:application/{name}"

    def _get(self, name: str) -> LocalApplication:
        app = self._apps.get(name)
        if app is None:
            raise LocalServiceError(
                "ResourceNotFoundException", f"Application {name} not found in account {self.account}"
            )
        self._settle(app)
        if app.name not in self._apps:
            raise LocalServiceError("ResourceNotFoundException", f"Application {name} not found")
        return app

    def _set_status(self, app: LocalApplication, status: str) -> None:
        old, app.status = app.status, status
        app.updated = datetime.now(UTC)
        for listener in list(self.listeners):
            listener(app, old, status)

    def _operation(self, app: LocalApplication, name: str) -> Operation:
        op = Operation(operation_id=secrets.token_hex(8), operation=name)
        app.operations[op.operation_id] = op
        return op

    def _finish(self, app: LocalApplication, operation_id: str | None, error: str = "") -> None:
        op = app.operations.get(operation_id or "")
        if op is not None:
            op.status = OperationStatus.FAILED if error else OperationStatus.SUCCESSFUL
            op.error = error
            op.end = datetime.now(UTC)

    def _settle(self, app: LocalApplication) -> None:
        pending = app.pending
        if pending is None or pending.hang or self.clock() < pending.due:
            return
        app.pending = None
        if pending.snapshot and app.snapshots_enabled:
            self._take_snapshot(app, f"stop-{len(app.snapshots) + 1}-{secrets.token_hex(3)}")
        if pending.to == ApplicationStatus.DELETED:
            self._finish(app, pending.operation_id)
            self._set_status(app, ApplicationStatus.DELETED)
            del self._apps[app.name]
            return
        self._finish(app, pending.operation_id, pending.fail)
        self._set_status(app, pending.to)

    def _take_snapshot(self, app: LocalApplication, name: str) -> Snapshot:
        state = self.snapshot_state(app) if self.snapshot_state else {}
        runtime = str(app.request.get("RuntimeEnvironment") or DEFAULT_RUNTIME)
        snap = Snapshot(name=name, version_id=app.version_id, created=datetime.now(UTC), state=state, runtime=runtime)
        app.snapshots.append(snap)
        return snap

    def _transition(self, app: LocalApplication, via: str, to: str, delay: float, **kwargs: Any) -> None:
        self._set_status(app, via)
        app.pending = _Pending(to=to, due=self.clock() + delay, **kwargs)

    # ----------------------------------------------------------------- API
    def create(self, request: dict[str, Any]) -> LocalApplication:
        """CreateApplication: a new application is READY."""
        with self._lock:
            self.faults.raise_for("CreateApplication")
            name = request["ApplicationName"]
            if name in self._apps:
                raise LocalServiceError("ResourceInUseException", f"Application {name} already exists")
            app = LocalApplication(name=name, arn=self._arn(name), request=dict(request))
            self._apps[name] = app
            return app

    def describe(self, name: str) -> LocalApplication:
        """DescribeApplication."""
        with self._lock:
            self.faults.raise_for("DescribeApplication")
            return self._get(name)

    def applications(self) -> list[LocalApplication]:
        """ListApplications."""
        with self._lock:
            for app in list(self._apps.values()):
                self._settle(app)
            return list(self._apps.values())

    def start(self, name: str, run_configuration: dict[str, Any] | None) -> str:
        """StartApplication: READY -> STARTING -> RUNNING (or back to READY on failure)."""
        with self._lock:
            self.faults.raise_for("StartApplication")
            app = self._get(name)
            if app.status != ApplicationStatus.READY:
                raise LocalServiceError(
                    "ResourceInUseException", f"Application {name} is in {app.status} status; start needs READY"
                )
            app.run_configuration = dict(run_configuration or {})  # as given, for tests to check
            restore_config = app.run_configuration.get("ApplicationRestoreConfiguration") or {}
            restore = restore_config.get("ApplicationRestoreType", "RESTORE_FROM_LATEST_SNAPSHOT")
            app.restored_from = _restore_point(app, restore, restore_config.get("SnapshotName"))
            app.restore_type = restore
            op = self._operation(app, "StartApplication")
            fail = self.faults.failed_starts.pop(0) if self.faults.failed_starts else ""
            self._transition(
                app,
                ApplicationStatus.STARTING,
                ApplicationStatus.READY if fail else ApplicationStatus.RUNNING,
                self.delays.start,
                operation_id=op.operation_id,
                fail=fail,
                hang=self.faults.take_hang("start"),
            )
            return op.operation_id

    def begin_maintenance(self, name: str, seconds: float) -> None:
        """AWS patches the application: MAINTENANCE for ``seconds``, then back to the status it had (a fault to
        test with: StopApplication is refused meanwhile, as on AWS)."""
        with self._lock:
            app = self._get(name)
            back = app.status
            self._transition(app, ApplicationStatus.MAINTENANCE, back, seconds, operation_id=None)

    def stop(self, name: str, force: bool) -> str:
        """StopApplication: RUNNING -> STOPPING (snapshot) -> READY; forced from any force-stoppable status."""
        with self._lock:
            self.faults.raise_for("StopApplication")
            app = self._get(name)
            if force:
                if app.status not in FORCE_STOPPABLE:
                    raise LocalServiceError(
                        "ResourceInUseException", f"Application {name} is in {app.status} status; cannot force stop"
                    )
                op = self._operation(app, "StopApplication")
                self._finish(app, (app.pending.operation_id if app.pending else None), "force-stopped")
                self._transition(
                    app,
                    ApplicationStatus.FORCE_STOPPING,
                    ApplicationStatus.READY,
                    self.delays.stop,
                    operation_id=op.operation_id,
                )
                return op.operation_id
            if app.status != ApplicationStatus.RUNNING:
                raise LocalServiceError(
                    "ResourceInUseException", f"Application {name} is in {app.status} status; stop needs RUNNING"
                )
            op = self._operation(app, "StopApplication")
            fail = self.faults.failed_stops.pop(0) if self.faults.failed_stops else ""
            self._transition(
                app,
                ApplicationStatus.STOPPING,
                ApplicationStatus.RUNNING if fail else ApplicationStatus.READY,
                self.delays.stop,
                operation_id=op.operation_id,
                snapshot=not fail,
                fail=fail,
                hang=self.faults.take_hang("stop"),
            )
            return op.operation_id

    def update(
        self, name: str, current_version: int, update: dict[str, Any], runtime: str | None = None
    ) -> tuple[LocalApplication, str]:
        """UpdateApplication: code and properties, and the runtime (RuntimeEnvironmentUpdate, upgrades only: state
        moves one way, from 1.x to 2.x). RUNNING goes UPDATING -> RUNNING: the job stops with a snapshot, taken by
        the runtime it ran, and the new version restores it. Returns the application and the operation id."""
        with self._lock:
            self.faults.raise_for("UpdateApplication")
            app = self._get(name)
            self._check_version(app, current_version)
            if runtime is not None and runtime_version(runtime) < runtime_version(app.runtime):
                raise LocalServiceError(
                    "InvalidArgumentException",
                    f"cannot update {app.runtime} to {runtime}: state moves one way; use RollbackApplication",
                )
            app.previous.append(copy.deepcopy(app.request))
            op = self._operation(app, "UpdateApplication")
            running = app.status == ApplicationStatus.RUNNING
            if running:
                self._set_status(app, ApplicationStatus.UPDATING)  # the job stops here (listeners)
                if app.snapshots_enabled:
                    app.restored_from = self._take_snapshot(app, f"update-{app.version_id + 1}-{secrets.token_hex(3)}")
            _apply_update(app, update)
            if runtime is not None:
                app.request["RuntimeEnvironment"] = runtime
            app.version_id += 1
            self._settle_version(app, op, running, "update")
            return app, op.operation_id

    def rollback(self, name: str, current_version: int) -> tuple[LocalApplication, str]:
        """RollbackApplication: back to the previous version's configuration and runtime, from READY, RUNNING, or
        an UPDATING or AUTOSCALING that does not end. A running application restarts from the last snapshot its
        (previous) runtime can read: 1.x cannot read a 2.x snapshot. Returns the application and the operation id."""
        with self._lock:
            self.faults.raise_for("RollbackApplication")
            app = self._get(name)
            stuck = app.status in {ApplicationStatus.UPDATING, ApplicationStatus.AUTOSCALING}
            if stuck:
                if current_version != app.version_id:
                    self._check_version(app, current_version)
                self._finish(app, app.pending.operation_id if app.pending else None, "rolled back")
                app.pending = None
            else:
                self._check_version(app, current_version)
            if not app.previous:
                raise LocalServiceError("InvalidArgumentException", f"Application {name} has no version to go back to")
            op = self._operation(app, "RollbackApplication")
            running = stuck or app.status == ApplicationStatus.RUNNING
            if running:
                self._set_status(app, ApplicationStatus.ROLLING_BACK)
            app.request = app.previous.pop()
            app.updated = datetime.now(UTC)
            app.version_id += 1
            if running:
                app.restored_from = _restore_point(app, "RESTORE_FROM_LATEST_SNAPSHOT", None)
            self._settle_version(app, op, running, "rollback")
            return app, op.operation_id

    def _settle_version(self, app: LocalApplication, op: Operation, running: bool, transition: str) -> None:
        """A new version of a RUNNING application runs after ``delays.update``; a READY one is done at once."""
        if running:
            app.pending = _Pending(
                to=ApplicationStatus.RUNNING,
                due=self.clock() + self.delays.update,
                operation_id=op.operation_id,
                hang=self.faults.take_hang(transition),
            )
        else:
            self._finish(app, op.operation_id)

    @staticmethod
    def _check_version(app: LocalApplication, current_version: int) -> None:
        if current_version != app.version_id:
            raise LocalServiceError(
                "ConcurrentModificationException",
                f"CurrentApplicationVersionId {current_version} is not the current version {app.version_id}",
            )
        if app.status not in {ApplicationStatus.READY, ApplicationStatus.RUNNING}:
            raise LocalServiceError("ResourceInUseException", f"Application {app.name} is in {app.status} status")

    def delete(self, name: str, create_timestamp: datetime) -> None:
        """DeleteApplication: needs the CreateTimestamp; READY or RUNNING -> DELETING -> gone."""
        with self._lock:
            self.faults.raise_for("DeleteApplication")
            app = self._get(name)
            if abs(app.created.timestamp() - create_timestamp.timestamp()) > 0.001:
                raise LocalServiceError("InvalidArgumentException", "CreateTimestamp does not match the application")
            if app.status not in {ApplicationStatus.READY, ApplicationStatus.RUNNING}:
                raise LocalServiceError("ResourceInUseException", f"Application {name} is in {app.status} status")
            hang = self.faults.take_hang("delete")
            self._transition(
                app,
                ApplicationStatus.DELETING,
                ApplicationStatus.DELETED,
                self.delays.delete,
                operation_id=None,
                hang=hang,
            )

    def operation(self, name: str, operation_id: str) -> Operation:
        """DescribeApplicationOperation."""
        with self._lock:
            app = self._get(name)
            op = app.operations.get(operation_id)
            if op is None:
                raise LocalServiceError("ResourceNotFoundException", f"Operation {operation_id} not found")
            return op

    def create_snapshot(self, name: str, snapshot_name: str) -> Snapshot:
        """CreateApplicationSnapshot (RUNNING only)."""
        with self._lock:
            app = self._get(name)
            if app.status != ApplicationStatus.RUNNING:
                raise LocalServiceError("InvalidRequestException", "Snapshots can be created only while RUNNING")
            if any(s.name == snapshot_name for s in app.snapshots):
                raise LocalServiceError("ResourceInUseException", f"Snapshot {snapshot_name} already exists")
            return self._take_snapshot(app, snapshot_name)

    def delete_snapshot(self, name: str, snapshot_name: str) -> None:
        """DeleteApplicationSnapshot."""
        with self._lock:
            app = self._get(name)
            before = len(app.snapshots)
            app.snapshots = [s for s in app.snapshots if s.name != snapshot_name]
            if len(app.snapshots) == before:
                raise LocalServiceError("ResourceNotFoundException", f"Snapshot {snapshot_name} not found")


def _restore_point(app: LocalApplication, restore: str, snapshot_name: str | None) -> Snapshot | None:
    """The snapshot a start restores from, checked as StartApplication checks it."""
    if restore == "SKIP_RESTORE_FROM_SNAPSHOT":
        return None
    readable = [snap for snap in app.snapshots if runtime_version(snap.runtime) <= runtime_version(app.runtime)]
    if restore == "RESTORE_FROM_LATEST_SNAPSHOT":
        return readable[-1] if readable else None  # 1.x cannot read a 2.x snapshot: the last one it can
    if restore != "RESTORE_FROM_CUSTOM_SNAPSHOT":
        raise LocalServiceError("InvalidArgumentException", f"unknown ApplicationRestoreType {restore}")
    if not snapshot_name:
        raise LocalServiceError("InvalidArgumentException", "RESTORE_FROM_CUSTOM_SNAPSHOT needs a SnapshotName")
    for snap in app.snapshots:
        if snap.name == snapshot_name:
            if snap not in readable:
                raise LocalServiceError(
                    "InvalidArgumentException",
                    f"Snapshot {snapshot_name} of {snap.runtime} cannot restore to {app.runtime}",
                )
            return snap
    raise LocalServiceError("ResourceNotFoundException", f"Snapshot {snapshot_name} not found for {app.name}")


def _apply_update(app: LocalApplication, update: dict[str, Any]) -> None:
    config = app.configuration
    code_update = (update.get("ApplicationCodeConfigurationUpdate") or {}).get("CodeContentUpdate") or {}
    s3_update = code_update.get("S3ContentLocationUpdate")
    if s3_update:
        location = {
            "BucketARN": s3_update.get("BucketARNUpdate"),
            "FileKey": s3_update.get("FileKeyUpdate"),
        }
        if s3_update.get("ObjectVersionUpdate"):
            location["ObjectVersion"] = s3_update["ObjectVersionUpdate"]
        config.setdefault("ApplicationCodeConfiguration", {})["CodeContent"] = {"S3ContentLocation": location}
    props = update.get("EnvironmentPropertyUpdates")
    if props:
        config["EnvironmentProperties"] = {"PropertyGroups": props.get("PropertyGroups", [])}
    app.request["ApplicationConfiguration"] = config
    app.updated = datetime.now(UTC)
