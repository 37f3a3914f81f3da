"""Lifecycle handlers called in-process with the sample events, against moto and the local Managed Flink."""

from __future__ import annotations

from typing import Any

import pytest

from fanout.exceptions import ConfigurationError
from fanout.lifecycle.exceptions import (
    ApplicationBusyError,
    ApplicationNotFoundError,
    InvalidRequestError,
    UnexpectedApplicationStatusError,
)
from fanout.localcloud.deploy import LocalDeployment
from fanout.localcloud.lambda_runtime import load_handler
from tests.conftest import Cloud
from tests.support import ROOT, lambda_context, load_event

LIFECYCLE = ROOT / "functions" / "lifecycle"
APP = "fanout-fanout"


def call(deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch, logical: str, event: Any) -> Any:
    """Call a deployed function's real handler with its template environment."""
    fn = deployment.functions[logical]
    for key, value in fn.environment.items():
        monkeypatch.setenv(key, value)
    handler = load_handler(fn.code_dir, fn.handler)
    return handler(event, lambda_context(fn.name))


def settle(cloud: Cloud) -> None:
    """Let pending local transitions complete."""
    import time

    time.sleep(0.6)
    cloud.flink.applications()


def test_validate_handler_parses_every_sample_event(
    deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    for action in ("run", "start", "stop", "delete"):
        event = load_event(f"lifecycle/validate_{action}")
        event.pop("executionArn")  # no execution to compare with outside Step Functions
        result = call(deployment, monkeypatch, "ValidateRequestFunction", event)
        assert result["action"] == action
        assert result["applicationName"] == APP
        assert result["proceed"] is True
        assert result["durationSeconds"] == (8 * 3600 if action == "run" else 0)


def test_validate_handler_rejects_a_window_longer_than_the_maximum(
    deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_RUN_DURATION", "PT12H")
    event = {"input": {"action": "run", "duration": "P1D"}}
    fn = deployment.functions["ValidateRequestFunction"]
    for key, value in fn.environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MAX_RUN_DURATION", "PT12H")
    with pytest.raises(InvalidRequestError, match="longer than the maximum"):
        load_handler(fn.code_dir, fn.handler)(event, lambda_context())


def test_missing_application_name_is_a_configuration_error(
    deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the first step, which reads the application name from its environment, without it
    fn = deployment.functions["ValidateRequestFunction"]
    monkeypatch.delenv("APPLICATION_NAME", raising=False)
    # WHEN called THEN a ConfigurationError names the variable
    with pytest.raises(ConfigurationError, match="APPLICATION_NAME"):
        load_handler(fn.code_dir, fn.handler)({"input": {"action": "start"}}, lambda_context())


@pytest.mark.parametrize(
    "logical",
    ["StartApplicationFunction", "PruneSnapshotsFunction"],
)
def test_later_steps_take_the_application_from_the_state_not_the_environment(
    deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch, logical: str
) -> None:
    # GIVEN a step whose environment names another application than its input
    fn = deployment.functions[logical]
    for key, value in fn.environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("APPLICATION_NAME", "not-this-one")
    handler = load_handler(fn.code_dir, fn.handler)
    # WHEN its input has no application name THEN it is a named error, not a fallback to the environment
    with pytest.raises(
        InvalidRequestError, match=r"'applicationName' must be the application's name \(.*\), got nothing"
    ):
        handler({}, lambda_context(fn.name))
    # AND with one, it works on that one, whatever the environment says
    with pytest.raises(ApplicationNotFoundError, match="the-state-one"):
        handler({"applicationName": "the-state-one"}, lambda_context(fn.name))


def test_ensure_creates_then_is_idempotent_then_updates_on_a_new_artifact_version(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # WHEN ensure runs twice
    first = call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    second = call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    # THEN it creates once and then does nothing
    assert first["action"] == "created"
    assert first["status"] == "READY"
    assert second["action"] == "unchanged"
    app = cloud.flink.describe(APP)
    groups = app.property_groups()
    assert groups["kinesis.analytics.flink.run.options"]["python"] == "main.py"
    assert groups["fanout"]["input.stream.arn"].endswith(":stream/fanout-transactions")
    assert app.request["RuntimeEnvironment"] == "FLINK-1_20"
    # WHEN a new artifact version is uploaded
    cloud.client("s3").put_object(
        Bucket=deployment.outputs["ArtifactBucketName"], Key=deployment.outputs["ArtifactKey"], Body=b"new"
    )
    third = call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    # THEN the application is updated to point at it
    assert third["action"] == "updated"
    assert third["versionId"] == first["versionId"] + 1
    version = cloud.client("s3").head_object(
        Bucket=deployment.outputs["ArtifactBucketName"], Key=deployment.outputs["ArtifactKey"]
    )["VersionId"]
    assert (
        cloud.flink.describe(APP).configuration["ApplicationCodeConfiguration"]["CodeContent"]["S3ContentLocation"][
            "ObjectVersion"
        ]
        == version
    )


def test_ensure_without_artifact_names_the_missing_object(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fanout.lifecycle.exceptions import ArtifactNotFoundError

    cloud.client("s3").delete_object(
        Bucket=deployment.outputs["ArtifactBucketName"], Key=deployment.outputs["ArtifactKey"]
    )
    monkeypatch.setenv("ARTIFACT_KEY", "missing.zip")
    fn = deployment.functions["EnsureApplicationFunction"]
    env = {**fn.environment, "ARTIFACT_KEY": "missing.zip"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ArtifactNotFoundError, match=r"missing\.zip"):
        load_handler(fn.code_dir, fn.handler)(load_event("lifecycle/ensure"), lambda_context())


def test_start_stop_and_delete_handlers_are_idempotent(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a missing application: stop and delete do nothing
    assert call(deployment, monkeypatch, "StopApplicationFunction", load_event("lifecycle/stop"))["status"] == "DELETED"
    assert (
        call(deployment, monkeypatch, "DeleteApplicationFunction", load_event("lifecycle/delete"))["action"] == "none"
    )
    # AND starting a missing application is a named error
    with pytest.raises(ApplicationNotFoundError):
        call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))
    # GIVEN a READY application: stop does nothing, start starts with an explicit SKIP (no snapshot yet)
    call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    assert call(deployment, monkeypatch, "StopApplicationFunction", load_event("lifecycle/stop"))["action"] == "none"
    started = call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))
    assert started["action"] == "started"
    assert started["restoreType"] == "SKIP_RESTORE_FROM_SNAPSHOT"
    # WHEN start again while STARTING, then once RUNNING: both no-ops
    assert call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))["action"] == "none"
    settle(cloud)
    assert call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))["action"] == "none"
    # AND deleting a RUNNING application is refused as busy (the state machine stops first)
    with pytest.raises(ApplicationBusyError):
        call(deployment, monkeypatch, "DeleteApplicationFunction", load_event("lifecycle/delete"))


@pytest.mark.parametrize("status", ["MAINTENANCE", "ROLLED_BACK"])
def test_unexpected_status_is_a_named_final_error(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    cloud.flink.describe(APP).status = status
    with pytest.raises(UnexpectedApplicationStatusError, match=status):
        call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))
    with pytest.raises(UnexpectedApplicationStatusError, match=status):
        call(deployment, monkeypatch, "CheckProgressFunction", load_event("lifecycle/check_running"))
    with pytest.raises(UnexpectedApplicationStatusError, match=status):
        call(deployment, monkeypatch, "StopApplicationFunction", load_event("lifecycle/stop"))


@pytest.mark.parametrize("status", ["MAINTENANCE", "ROLLED_BACK"])
def test_delete_in_an_unexpected_status_is_final_not_retried_as_busy(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    # GIVEN an application in a status the lifecycle does not handle
    call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    cloud.flink.describe(APP).status = status
    # WHEN the delete step runs
    # THEN it fails with the named final error (not ApplicationBusyError, which the ASL retries six times)
    with pytest.raises(UnexpectedApplicationStatusError, match=status):
        call(deployment, monkeypatch, "DeleteApplicationFunction", load_event("lifecycle/delete"))


def test_check_handler_rejects_an_unknown_target(deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidRequestError, match="target"):
        call(deployment, monkeypatch, "CheckProgressFunction", {"applicationName": APP, "target": "SLEEPING"})


def test_check_handler_reports_deleted_as_settled(deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    result = call(deployment, monkeypatch, "CheckProgressFunction", load_event("lifecycle/check_deleted"))
    assert result["state"] == "SETTLED"
    assert result["status"] == "DELETED"


def test_prune_keeps_the_newest_snapshots(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a RUNNING application with five snapshots
    call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))
    settle(cloud)
    kda = cloud.client("kinesisanalyticsv2")
    for i in range(5):
        kda.create_application_snapshot(ApplicationName=APP, SnapshotName=f"snap-{i}")
    # WHEN the prune step runs with the template's default (3)
    result = call(deployment, monkeypatch, "PruneSnapshotsFunction", load_event("lifecycle/snapshots"))
    # THEN the two oldest are gone
    assert sorted(result["deleted"]) == ["snap-0", "snap-1"]
    assert [s.name for s in cloud.flink.describe(APP).snapshots] == ["snap-2", "snap-3", "snap-4"]


def test_prune_reads_every_page_of_snapshots(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN more snapshots than one ListApplicationSnapshots page holds (50), and SnapshotsToKeep 52
    call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))
    settle(cloud)
    kda = cloud.client("kinesisanalyticsv2")
    for i in range(60):
        kda.create_application_snapshot(ApplicationName=APP, SnapshotName=f"snap-{i:02}")
    monkeypatch.setitem(deployment.functions["PruneSnapshotsFunction"].environment, "SNAPSHOTS_TO_KEEP", "52")
    # WHEN the prune step runs (it read the first page only, and with keep >= 50 never deleted anything)
    result = call(deployment, monkeypatch, "PruneSnapshotsFunction", load_event("lifecycle/snapshots"))
    # THEN the eight oldest are gone, and the emulator pages as AWS does
    assert sorted(result["deleted"]) == [f"snap-{i:02}" for i in range(8)]
    first = kda.list_application_snapshots(ApplicationName=APP, Limit=50)
    assert len(first["SnapshotSummaries"]) == 50 and "NextToken" in first


def test_stop_handler_rejects_a_non_boolean_force(deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidRequestError, match="force"):
        call(deployment, monkeypatch, "StopApplicationFunction", {"applicationName": APP, "force": "yes"})


def test_force_stop_of_a_stuck_start_skips_the_snapshot_and_check_ready_settles(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an application whose start never completes
    call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    cloud.flink.faults.hang_next("start")
    call(deployment, monkeypatch, "StartApplicationFunction", load_event("lifecycle/start"))
    assert cloud.flink.describe(APP).status == "STARTING"
    # WHEN the force-stop step runs with its sample event
    stopped = call(deployment, monkeypatch, "StopApplicationFunction", load_event("lifecycle/stop_force"))
    # THEN it force-stops (no snapshot is taken), and the READY check settles once the application is READY
    assert (stopped["action"], stopped["status"]) == ("force-stopped", "FORCE_STOPPING")
    settle(cloud)
    result = call(deployment, monkeypatch, "CheckProgressFunction", load_event("lifecycle/check_ready"))
    assert (result["state"], result["status"]) == ("SETTLED", "READY")
    assert cloud.flink.describe(APP).snapshots == []


def test_record_then_ensure_creates_the_application_at_the_last_clean_stop_less_the_margin(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a clean stop recorded by the step after it (the sample event: a stop that began at 17:00 UTC)
    recorded = call(deployment, monkeypatch, "RecordResumePositionFunction", load_event("lifecycle/position"))
    assert recorded["stopBegan"] == "2026-12-01T17:00:00+00:00"
    # WHEN the application, gone with its snapshots, is created again with a margin of 120 s
    monkeypatch.setenv("RESUME_MARGIN_SECONDS", "120")
    fn = deployment.functions["EnsureApplicationFunction"]
    for key, value in fn.environment.items():
        if key != "RESUME_MARGIN_SECONDS":
            monkeypatch.setenv(key, value)
    result = load_handler(fn.code_dir, fn.handler)(load_event("lifecycle/ensure"), lambda_context(fn.name))
    # THEN it reads from AT_TIMESTAMP 16:58, in the connector's default timestamp format, and says so
    assert result["action"] == "created"
    assert result["startPosition"] == {"type": "AT_TIMESTAMP", "timestamp": "2026-12-01T16:58:00.000Z"}
    detail = cloud.client("kinesisanalyticsv2").describe_application(ApplicationName=APP)["ApplicationDetail"]
    groups = detail["ApplicationConfigurationDescription"]["EnvironmentPropertyDescriptions"]
    fanout = next(g for g in groups["PropertyGroupDescriptions"] if g["PropertyGroupId"] == "fanout")["PropertyMap"]
    assert fanout["source.init.position"] == "AT_TIMESTAMP"
    assert fanout["source.init.timestamp"] == "2026-12-01T16:58:00.000Z"


def test_ensure_before_any_clean_stop_uses_the_stacks_initial_position(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no position recorded yet WHEN the application is created
    result = call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    # THEN it starts where the stack says (TRIM_HORIZON), with no timestamp
    assert result["action"] == "created"
    assert result["startPosition"] == {"type": "TRIM_HORIZON", "timestamp": None}


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ("not json", "InvalidResumePositionError", "does not hold a resume position"),
        ('{"application": "fanout-fanout"}', "InvalidResumePositionError", "does not hold a resume position"),
    ],
)
def test_a_damaged_resume_position_is_a_named_error_not_a_guess(
    cloud: Cloud, deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch, value: str, error: str, match: str
) -> None:
    # GIVEN a parameter somebody overwrote with something that is not a position
    name = deployment.functions["EnsureApplicationFunction"].environment["RESUME_POSITION_PARAMETER"]
    cloud.client("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    # WHEN the application is ensured THEN it fails with the named error, creating nothing
    with pytest.raises(Exception, match=match) as caught:
        call(deployment, monkeypatch, "EnsureApplicationFunction", load_event("lifecycle/ensure"))
    assert type(caught.value).__name__ == error
    assert cloud.client("kinesisanalyticsv2").list_applications()["ApplicationSummaries"] == []


@pytest.mark.parametrize(("margin", "stop"), [("-1", "2026-12-01T17:00:00Z"), ("90000", "2026-12-01T17:00:00Z")])
def test_a_margin_out_of_bounds_is_refused(
    deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch, margin: str, stop: str, cloud: Cloud
) -> None:
    call(deployment, monkeypatch, "RecordResumePositionFunction", {"applicationName": APP, "stopBegan": stop})
    fn = deployment.functions["EnsureApplicationFunction"]
    for key, value in fn.environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RESUME_MARGIN_SECONDS", margin)
    with pytest.raises(ConfigurationError, match="resume_margin_seconds"):
        load_handler(fn.code_dir, fn.handler)(load_event("lifecycle/ensure"), lambda_context(fn.name))


def test_record_refuses_a_stop_time_that_is_not_one(
    deployment: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidRequestError, match="'stopBegan' must be an ISO 8601 time"):
        call(deployment, monkeypatch, "RecordResumePositionFunction", {"applicationName": APP, "stopBegan": "soon"})
