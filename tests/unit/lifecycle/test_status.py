"""The application statuses and what the lifecycle makes of each: pure, no network."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from fanout.lifecycle import Target, service
from fanout.lifecycle.exceptions import ApplicationNotFoundError, UnexpectedApplicationStatusError
from fanout.lifecycle.overview import BILLED_STATUSES, toggle_explanation, toggle_target
from fanout.lifecycle.status import (
    DEFERRABLE_STOP_STATUSES,
    FORCE_STOPPABLE,
    SETTLED_STATUSES,
    TRANSIENT_STATUSES,
    UNHANDLED_STATUSES,
    ApplicationStatus,
)
from fanout.localcloud import flink as local_flink
from fanout.localcloud.exceptions import LocalServiceError
from fanout.localcloud.flink import LocalFlink, TransitionDelays
from tests.support import ROOT

AWS_STATUSES = [s for s in ApplicationStatus if s is not ApplicationStatus.DELETED]


def _flink_in(status: ApplicationStatus) -> LocalFlink:
    flink = LocalFlink("1", "r", TransitionDelays(start=10, stop=10, update=10, delete=10), clock=lambda: 0.0)
    flink.create({"ApplicationName": "a"}).status = status
    return flink


def test_each_member_is_its_own_name_so_it_equals_and_hashes_as_the_plain_string() -> None:
    # GIVEN every status WHEN compared with, or looked up by, the string DescribeApplication returns
    for status in ApplicationStatus:
        # THEN it is that string, in a set as in a comparison
        assert status.value == status.name
        assert status == status.name and status.name in {status}
        assert ApplicationStatus.parse(status.name) is status
    assert ApplicationStatus.parse("NOT_A_STATUS") is None


def test_every_status_is_exactly_one_of_settled_transient_or_unhandled() -> None:
    # GIVEN the three sets the lifecycle branches on
    for status in ApplicationStatus:
        # THEN each status falls in exactly one, and its properties say so
        assert [status.settled, status.transient, status.unhandled].count(True) == 1, status
    assert set(ApplicationStatus) == SETTLED_STATUSES | TRANSIENT_STATUSES | UNHANDLED_STATUSES
    assert {ApplicationStatus.MAINTENANCE, ApplicationStatus.ROLLED_BACK} == UNHANDLED_STATUSES


def test_deleted_is_the_lifecycles_own_status_never_one_aws_reports() -> None:
    # GIVEN an application the local Managed Flink deletes
    flink = _flink_in(ApplicationStatus.READY)
    flink.delete("a", flink.describe("a").created)
    flink.clock = lambda: 11.0
    # WHEN it is described after the delete settled THEN it is gone, not DELETED
    with pytest.raises(LocalServiceError, match="ResourceNotFoundException"):
        flink.describe("a")
    # THEN DELETED is settled, costs nothing, and is the target a delete waits for
    deleted = ApplicationStatus.DELETED
    assert deleted.settled and not deleted.billed and not deleted.force_stoppable
    assert deleted == Target.DELETED
    assert {t.value for t in Target} <= {s.value for s in SETTLED_STATUSES}


def test_a_missing_application_is_reported_as_deleted_by_the_no_op_steps() -> None:
    # GIVEN a kinesisanalyticsv2 client that knows no application
    class _Missing:
        def describe_application(self, ApplicationName: str) -> dict[str, object]:
            raise ApplicationNotFoundError(ApplicationName)

    # WHEN it is stopped or deleted THEN the step says DELETED, as a plain string
    for result in (service.stop_application(_Missing(), "a"), service.delete_application(_Missing(), "a")):
        assert result["status"] == "DELETED" and type(result["status"]) is str


@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_force_stoppable_matches_what_the_local_managed_flink_accepts(status: ApplicationStatus) -> None:
    # GIVEN the local Managed Flink with an application in `status`
    flink = _flink_in(status)
    # WHEN it is force-stopped THEN it is accepted exactly when the enum says it is force-stoppable
    if status.force_stoppable:
        flink.stop("a", force=True)
        assert flink.describe("a").status == ApplicationStatus.FORCE_STOPPING
    else:
        with pytest.raises(LocalServiceError, match="cannot force stop"):
            flink.stop("a", force=True)


def test_there_is_one_force_stoppable_set_and_one_billed_set() -> None:
    # GIVEN the modules that used to define their own copies THEN they all hold the enum's sets
    assert local_flink.FORCE_STOPPABLE is FORCE_STOPPABLE is service.FORCE_STOPPABLE
    assert {s for s in ApplicationStatus if s.force_stoppable} == FORCE_STOPPABLE
    assert {s for s in ApplicationStatus if s.billed} == BILLED_STATUSES
    # THEN KPUs are billed from the start until the application is READY again
    assert ApplicationStatus.RUNNING.billed and ApplicationStatus.STARTING.billed
    assert not ApplicationStatus.READY.billed and not ApplicationStatus.MAINTENANCE.billed


def test_a_stop_defers_only_statuses_that_end_by_themselves_in_running() -> None:
    # GIVEN the statuses a stop waits out THEN each is transient or MAINTENANCE, and none is a stop already
    assert {ApplicationStatus.MAINTENANCE} == DEFERRABLE_STOP_STATUSES - TRANSIENT_STATUSES
    assert not DEFERRABLE_STOP_STATUSES & {ApplicationStatus.STOPPING, ApplicationStatus.FORCE_STOPPING}


def test_every_status_has_a_hint_and_toggle_and_the_errors_use_it() -> None:
    # GIVEN every status THEN it has a short hint for a person
    for status in ApplicationStatus:
        assert status.hint and len(status.hint) < 200, status
    # WHEN toggle meets a transient or unhandled status THEN it explains with the hint
    for status in TRANSIENT_STATUSES | UNHANDLED_STATUSES:
        assert toggle_target(status) is None
        assert toggle_explanation(status) == status.hint
    assert toggle_target("READY") == "start" and toggle_target("RUNNING") == "stop"
    assert "toggle does not handle" in toggle_explanation("SOMETHING_NEW")
    # WHEN the lifecycle refuses an unhandled status THEN its error carries the hint
    with pytest.raises(UnexpectedApplicationStatusError) as caught:
        service.start_application(_Described(ApplicationStatus.ROLLED_BACK), "a")
    assert ApplicationStatus.ROLLED_BACK.hint in str(caught.value)


class _Described:
    """A kinesisanalyticsv2 client whose application is in one status."""

    def __init__(self, status: str) -> None:
        self.status = status

    def describe_application(self, ApplicationName: str) -> dict[str, object]:
        return {
            "ApplicationDetail": {
                "ApplicationName": ApplicationName,
                "ApplicationARN": f"arn:aws:kinesisanalytics:r:1:application/{ApplicationName}",
                "ApplicationStatus": self.status,
                "ApplicationVersionId": 1,
                "CreateTimestamp": datetime(2025, 1, 1),
            }
        }


OTHER_STATUSES = ("SnapshotStatus", "statusFilter=")
"""Lines about a snapshot's or an execution's status, whose "READY" or "RUNNING" is not an application's."""


def test_no_bare_application_status_literal_outside_status_py() -> None:
    # GIVEN the lifecycle's modules and the local Managed Flink, but not status.py itself
    literal = re.compile('"(' + "|".join(s.value for s in ApplicationStatus) + ')"')
    sources = [p for p in sorted((ROOT / "src/fanout/lifecycle").glob("*.py")) if p.name != "status.py"]
    sources.append(ROOT / "src/fanout/localcloud/flink.py")
    # WHEN each line is searched for a quoted application status
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if literal.search(line) and not any(other in line for other in OTHER_STATUSES)
    ]
    # THEN there is none: they name ApplicationStatus members
    assert found == []
