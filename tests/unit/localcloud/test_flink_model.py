"""The local Managed Flink's rules with a fake clock: pure, no moto."""

from __future__ import annotations

from datetime import datetime

import pytest

from fanout.localcloud.exceptions import LocalServiceError
from fanout.localcloud.flink import LocalFlink, TransitionDelays


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def flink() -> tuple[LocalFlink, Clock]:
    clock = Clock()
    f = LocalFlink("1", "r", TransitionDelays(start=10, stop=5, update=1, delete=2), clock=clock)
    f.create(
        {
            "ApplicationName": "a",
            "ApplicationConfiguration": {"ApplicationSnapshotConfiguration": {"SnapshotsEnabled": True}},
        }
    )
    return f, clock


def test_start_goes_starting_then_running_after_its_delay(flink: tuple[LocalFlink, Clock]) -> None:
    f, clock = flink
    op = f.start("a", None)
    assert f.describe("a").status == "STARTING"
    clock.now = 9.9
    assert f.describe("a").status == "STARTING"
    clock.now = 10
    assert f.describe("a").status == "RUNNING"
    assert f.operation("a", op).status == "SUCCESSFUL"


def test_stop_takes_a_snapshot_with_the_jobs_state(flink: tuple[LocalFlink, Clock]) -> None:
    f, clock = flink
    f.snapshot_state = lambda app: {"shardId-0": "42"}
    f.start("a", None)
    clock.now = 10
    f.stop("a", force=False)
    clock.now = 15
    app = f.describe("a")
    assert app.status == "READY"
    assert app.snapshots[-1].state == {"shardId-0": "42"}


def test_stop_without_force_needs_running_and_force_needs_a_transient_or_running_status(
    flink: tuple[LocalFlink, Clock],
) -> None:
    f, _ = flink
    with pytest.raises(LocalServiceError, match="ResourceInUseException"):
        f.stop("a", force=False)
    with pytest.raises(LocalServiceError, match="ResourceInUseException"):
        f.stop("a", force=True)  # READY is not force-stoppable
    f.start("a", None)
    f.stop("a", force=True)
    assert f.describe("a").status == "FORCE_STOPPING"


def test_listeners_hear_every_status_change(flink: tuple[LocalFlink, Clock]) -> None:
    f, clock = flink
    seen: list[tuple[str, str]] = []
    f.listeners.append(lambda app, old, new: seen.append((old, new)))
    f.start("a", None)
    clock.now = 10
    f.describe("a")
    assert seen == [("READY", "STARTING"), ("STARTING", "RUNNING")]


def test_delete_needs_the_create_timestamp(flink: tuple[LocalFlink, Clock]) -> None:
    f, clock = flink
    with pytest.raises(LocalServiceError, match="InvalidArgumentException"):
        f.delete("a", datetime(2000, 1, 1))
    f.delete("a", f.describe("a").created)
    assert f.describe("a").status == "DELETING"
    clock.now = 2
    with pytest.raises(LocalServiceError, match="ResourceNotFoundException"):
        f.describe("a")


def test_update_needs_the_current_version(flink: tuple[LocalFlink, Clock]) -> None:
    f, _ = flink
    with pytest.raises(LocalServiceError, match="ConcurrentModificationException"):
        f.update("a", 7, {})
    assert f.update("a", 1, {})[0].version_id == 2


def test_injected_api_errors_fire_once(flink: tuple[LocalFlink, Clock]) -> None:
    f, _ = flink
    f.faults.fail_api("StartApplication", "ThrottlingException")
    with pytest.raises(LocalServiceError, match="ThrottlingException"):
        f.start("a", None)
    f.start("a", None)
    assert f.describe("a").status == "STARTING"


def _run_and_stop(f: LocalFlink, clock: Clock, state: dict[str, str]) -> None:
    f.snapshot_state = lambda app: dict(state)
    f.start("a", None)
    clock.now += 10
    f.stop("a", force=False)
    clock.now += 5
    f.describe("a")


def test_a_custom_restore_resumes_from_the_named_snapshot_not_the_latest(flink: tuple[LocalFlink, Clock]) -> None:
    # GIVEN two stops, hence two snapshots with different positions
    f, clock = flink
    _run_and_stop(f, clock, {"shardId-0": "10"})
    _run_and_stop(f, clock, {"shardId-0": "20"})
    older = f.describe("a").snapshots[0]
    # WHEN the application starts from the older snapshot by name
    f.start(
        "a",
        {
            "ApplicationRestoreConfiguration": {
                "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT",
                "SnapshotName": older.name,
            }
        },
    )
    # THEN it restores that snapshot's positions
    restored = f.describe("a").restored_from
    assert restored is not None and restored.state == {"shardId-0": "10"}


@pytest.mark.parametrize(
    "restore, code",
    [
        ({"ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT", "SnapshotName": "nope"}, "ResourceNotFound"),
        ({"ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT"}, "InvalidArgumentException"),
        ({"ApplicationRestoreType": "RESTORE_SOMEHOW"}, "InvalidArgumentException"),
    ],
)
def test_a_restore_that_cannot_be_honoured_is_refused_and_the_application_stays_ready(
    flink: tuple[LocalFlink, Clock], restore: dict[str, str], code: str
) -> None:
    f, _ = flink
    with pytest.raises(LocalServiceError, match=code):
        f.start("a", {"ApplicationRestoreConfiguration": restore})
    assert f.describe("a").status == "READY"
