"""Managed Service for Apache Flink application statuses, and what the lifecycle makes of each.

A StrEnum: each member equals its string (``ApplicationStatus.RUNNING == "RUNNING"``), so the JSON the
handlers return and the strings the state machine compares are unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class ApplicationStatus(StrEnum):
    """An application status as DescribeApplication reports it, plus DELETED: the lifecycle's "it is gone"."""

    READY = "READY"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    UPDATING = "UPDATING"
    AUTOSCALING = "AUTOSCALING"
    STOPPING = "STOPPING"
    FORCE_STOPPING = "FORCE_STOPPING"
    DELETING = "DELETING"
    MAINTENANCE = "MAINTENANCE"
    ROLLING_BACK = "ROLLING_BACK"
    ROLLED_BACK = "ROLLED_BACK"
    DELETED = "DELETED"

    @classmethod
    def parse(cls, value: str) -> ApplicationStatus | None:
        """The member for `value`, or None for a status this enum does not know."""
        try:
            return cls(value)
        except ValueError:
            return None

    @property
    def settled(self) -> bool:
        """It stays as it is until someone acts: READY, RUNNING, or gone (DELETED)."""
        return self in SETTLED_STATUSES

    @property
    def transient(self) -> bool:
        """It ends by itself, and the lifecycle waits it out."""
        return self in TRANSIENT_STATUSES

    @property
    def unhandled(self) -> bool:
        """The lifecycle does not act on it: a person looks (MAINTENANCE, ROLLED_BACK)."""
        return self in UNHANDLED_STATUSES

    @property
    def billed(self) -> bool:
        """The application holds KPUs (billed from its start until it is READY again)."""
        return self in BILLED_STATUSES

    @property
    def force_stoppable(self) -> bool:
        """StopApplication with Force=true is accepted."""
        return self in FORCE_STOPPABLE

    @property
    def hint(self) -> str:
        """What is happening in this status, and what to do, for a person."""
        return _HINTS[self]


SETTLED_STATUSES = frozenset({ApplicationStatus.READY, ApplicationStatus.RUNNING, ApplicationStatus.DELETED})
"""Statuses that stay until someone acts."""

TRANSIENT_STATUSES = frozenset(
    {
        ApplicationStatus.STARTING,
        ApplicationStatus.STOPPING,
        ApplicationStatus.UPDATING,
        ApplicationStatus.AUTOSCALING,
        ApplicationStatus.FORCE_STOPPING,
        ApplicationStatus.ROLLING_BACK,
        ApplicationStatus.DELETING,
    }
)
"""Statuses that end by themselves; a transition in progress waits them out."""

UNHANDLED_STATUSES = frozenset({ApplicationStatus.MAINTENANCE, ApplicationStatus.ROLLED_BACK})
"""Statuses the lifecycle does not act on (UnexpectedApplicationStatusError)."""

BILLED_STATUSES = frozenset(
    {
        ApplicationStatus.STARTING,
        ApplicationStatus.RUNNING,
        ApplicationStatus.UPDATING,
        ApplicationStatus.AUTOSCALING,
        ApplicationStatus.STOPPING,
        ApplicationStatus.FORCE_STOPPING,
    }
)
"""Statuses in which the application holds KPUs (it is billed from its start until it is READY again)."""

FORCE_STOPPABLE = frozenset(
    {
        ApplicationStatus.STARTING,
        ApplicationStatus.UPDATING,
        ApplicationStatus.STOPPING,
        ApplicationStatus.AUTOSCALING,
        ApplicationStatus.RUNNING,
    }
)
"""Statuses StopApplication with Force=true accepts."""

DEFERRABLE_STOP_STATUSES = frozenset(
    {
        ApplicationStatus.STARTING,
        ApplicationStatus.UPDATING,
        ApplicationStatus.AUTOSCALING,
        ApplicationStatus.MAINTENANCE,
    }
)
"""Statuses a stop can wait out: each ends by itself in RUNNING (or READY), where the stop can go ahead."""

_HINTS: dict[ApplicationStatus, str] = {
    ApplicationStatus.READY: "it is stopped and not billed; start it with `fanout app start`.",
    ApplicationStatus.RUNNING: "it is running and billed per KPU-hour; stop it with `fanout app stop`.",
    ApplicationStatus.DELETED: "it does not exist; create it with `fanout app create`.",
    ApplicationStatus.STARTING: "it is starting (about 2-3 minutes on AWS); toggle again once it is RUNNING to "
    "stop it, or wait with `fanout app start --wait`.",
    ApplicationStatus.STOPPING: "it is stopping and taking a snapshot; toggle again once it is READY to start it, "
    "or wait with `fanout app stop --wait`.",
    ApplicationStatus.FORCE_STOPPING: "it is being force-stopped (no snapshot); toggle again once it is READY.",
    ApplicationStatus.UPDATING: "its code or configuration is being updated; it returns to RUNNING by itself. "
    "Toggle again then to stop it.",
    ApplicationStatus.AUTOSCALING: "it is changing its parallelism and returns to RUNNING by itself. "
    "Toggle again then.",
    ApplicationStatus.ROLLING_BACK: "a failed update is being rolled back. Check `fanout app status` in a minute.",
    ApplicationStatus.DELETING: "it is being deleted. Create it again with `fanout app create` once it is gone.",
    ApplicationStatus.MAINTENANCE: "AWS is patching the application; it returns to its previous status by itself. "
    "Start the execution again once `fanout app status` shows READY or RUNNING.",
    ApplicationStatus.ROLLED_BACK: "the last update failed and was rolled back. Read the application's CloudWatch "
    "logs, fix the code or configuration, then update or delete the application.",
}


class ExecutionStatus(StrEnum):
    """A Step Functions execution status (DescribeExecution)."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"
    PENDING_REDRIVE = "PENDING_REDRIVE"

    @property
    def final(self) -> bool:
        """The execution has ended (RUNNING and PENDING_REDRIVE have not)."""
        return self not in (ExecutionStatus.RUNNING, ExecutionStatus.PENDING_REDRIVE)


class OperationStatus(StrEnum):
    """An application operation's status (DescribeApplicationOperation)."""

    IN_PROGRESS = "IN_PROGRESS"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class SnapshotStatus(StrEnum):
    """An application snapshot's status (ListApplicationSnapshots)."""

    CREATING = "CREATING"
    READY = "READY"
    DELETING = "DELETING"
    FAILED = "FAILED"
