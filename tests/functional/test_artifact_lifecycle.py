"""A published artifact version reaches the application: created on v1, updated to v2 while READY, then a no-op.

The application is ensured with the create step's own configuration (the deployed function's environment),
against moto and the local Managed Flink.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from fanout.artifact import artifact_entries, upload_artifact
from fanout.artifact.inspect import stand_in_zip
from fanout.artifact.layout import write_zip
from fanout.lifecycle.exceptions import ArtifactRuntimeMismatchError, RuntimeDowngradeError
from fanout.lifecycle.service import ensure_application, start_application, stop_application
from fanout.lifecycle.spec import ApplicationSpec
from fanout.localcloud.deploy import LocalDeployment
from fanout.runtimes import FLINK_1_20, FLINK_2_2, RUNTIME_METADATA
from fanout.upgrade import plan_upgrade
from tests.conftest import Cloud
from tests.support import ROOT


@pytest.fixture
def spec(deployment: LocalDeployment) -> ApplicationSpec:
    """The application definition the create step builds from its environment."""
    return ApplicationSpec.from_env(deployment.functions["EnsureApplicationFunction"].environment)


def publish(cloud: Cloud, spec: ApplicationSpec, folder: Path, sql_comment: str) -> str:
    """Build an artifact whose SQL differs by a comment, upload it, and return its S3 version."""
    folder.mkdir(parents=True, exist_ok=True)
    sql = folder / "fanout.sql"
    sql.write_text(f"-- {sql_comment}\n" + (ROOT / "sql" / "fanout.sql").read_text())
    entries = {**artifact_entries(ROOT), "fanout.sql": sql}
    path = write_zip(entries, folder / "fanout-flink.zip")
    version = upload_artifact(cloud.client("s3"), path, spec.artifact_bucket, spec.artifact_key).version_id
    assert version is not None
    return version


def running_code(cloud: Cloud, spec: ApplicationSpec) -> dict[str, Any]:
    """The S3 location the application's code configuration points at."""
    app = cloud.flink.describe(spec.application_name)
    return dict(app.configuration["ApplicationCodeConfiguration"]["CodeContent"]["S3ContentLocation"])


def wait_for_status(cloud: Cloud, name: str, status: str, timeout: float = 10.0) -> None:
    """Poll the local application until it reaches `status` (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cloud.flink.describe(name).status == status:
            return
        time.sleep(0.05)
    raise TimeoutError(f"{name} not {status} after {timeout}s")


def test_ensure_new_artifact_version_created_then_updated_then_unchanged(
    cloud: Cloud, spec: ApplicationSpec, tmp_path: Path
) -> None:
    kda, s3 = cloud.client("kinesisanalyticsv2"), cloud.client("s3")
    # GIVEN artifact v1 published
    v1 = publish(cloud, spec, tmp_path / "v1", "v1")
    # WHEN ensure runs: THEN the application is created, pinned to v1
    created = ensure_application(kda, s3, spec)
    assert created["action"] == "created"
    assert created["code"]["ObjectVersion"] == v1
    assert running_code(cloud, spec)["ObjectVersion"] == v1
    # GIVEN artifact v2 published while the application is READY
    v2 = publish(cloud, spec, tmp_path / "v2", "v2")
    # WHEN ensure runs: THEN UpdateApplication moves it to v2, as a new application version
    updated = ensure_application(kda, s3, spec)
    assert updated["action"] == "updated"
    assert updated["versionId"] == created["versionId"] + 1
    assert running_code(cloud, spec)["ObjectVersion"] == v2 != v1
    # WHEN ensure runs again with nothing new: THEN nothing changes
    again = ensure_application(kda, s3, spec)
    assert again["action"] == "unchanged"
    assert again["versionId"] == updated["versionId"]


def test_ensure_new_version_while_running_is_deferred_until_ready(
    cloud: Cloud, spec: ApplicationSpec, tmp_path: Path
) -> None:
    kda, s3 = cloud.client("kinesisanalyticsv2"), cloud.client("s3")
    # GIVEN an application created on v1 and RUNNING
    v1 = publish(cloud, spec, tmp_path / "v1", "v1")
    ensure_application(kda, s3, spec)
    start_application(kda, spec.application_name)
    wait_for_status(cloud, spec.application_name, "RUNNING")
    # WHEN v2 is published and ensure runs inside the window
    v2 = publish(cloud, spec, tmp_path / "v2", "v2")
    deferred = ensure_application(kda, s3, spec)
    # THEN the running job is left alone
    assert deferred["action"] == "update-deferred"
    assert running_code(cloud, spec)["ObjectVersion"] == v1
    # WHEN the application is stopped (READY) and ensure runs at the next window
    stop_application(kda, spec.application_name)
    wait_for_status(cloud, spec.application_name, "READY")
    # THEN it moves to v2
    assert ensure_application(kda, s3, spec)["action"] == "updated"
    assert running_code(cloud, spec)["ObjectVersion"] == v2


def publish_for(cloud: Cloud, spec: ApplicationSpec, runtime: str) -> str:
    """Upload an artifact that ships ``runtime``'s (stand-in) connector jar; its S3 version."""
    files = {name: path.read_bytes() for name, path in artifact_entries(ROOT).items()}
    response = cloud.client("s3").put_object(
        Bucket=spec.artifact_bucket,
        Key=spec.artifact_key,
        Body=stand_in_zip(files, runtime),
        Metadata={RUNTIME_METADATA: runtime},
    )
    return str(response["VersionId"])


def test_ensure_upgrades_a_ready_application_when_the_stack_runtime_moves_to_2_2(
    cloud: Cloud, spec: ApplicationSpec
) -> None:
    kda, s3 = cloud.client("kinesisanalyticsv2"), cloud.client("s3")
    # GIVEN an application created on 1.20 and stopped with a snapshot
    publish_for(cloud, spec, FLINK_1_20)
    assert ensure_application(kda, s3, spec)["action"] == "created"
    start_application(kda, spec.application_name)
    wait_for_status(cloud, spec.application_name, "RUNNING")
    stop_application(kda, spec.application_name)
    wait_for_status(cloud, spec.application_name, "READY")
    # WHEN the stack is deployed with FlinkRuntime=FLINK-2_2 but the 2.2 artifact is not published yet
    upgraded_spec = spec.model_copy(update={"runtime": FLINK_2_2, "jar_file": ""})
    upgraded_spec = ApplicationSpec.model_validate(upgraded_spec.model_dump())
    # THEN the create step refuses, naming what to publish, and changes nothing
    with pytest.raises(ArtifactRuntimeMismatchError, match="fanout artifact publish --runtime FLINK-2_2"):
        ensure_application(kda, s3, upgraded_spec)
    assert cloud.flink.describe(spec.application_name).runtime == FLINK_1_20
    # WHEN the 2.2 artifact is published and the create step runs
    v22 = publish_for(cloud, spec, FLINK_2_2)
    # (the CLI's plan for the same move names the snapshot the next start restores)
    plan = plan_upgrade(kda, s3, spec.application_name, FLINK_2_2)
    assert plan.restore_snapshot == cloud.flink.describe(spec.application_name).snapshots[-1].name
    assert plan.artifact_version == v22
    result = ensure_application(kda, s3, upgraded_spec)
    # THEN the READY application is upgraded in place: runtime, code and jarfile, keeping its snapshot
    assert result["action"] == "upgraded" and result["status"] == "READY"
    app = cloud.flink.describe(spec.application_name)
    assert app.runtime == FLINK_2_2 and running_code(cloud, spec)["ObjectVersion"] == v22
    assert app.property_groups()["kinesis.analytics.flink.run.options"]["jarfile"].endswith("6.0.1-2.0.jar")
    assert [snap.runtime for snap in app.snapshots] == [FLINK_1_20]
    # AND the next start restores the 1.20 snapshot on 2.2
    start_application(kda, spec.application_name)
    assert app.restored_from is not None and app.restored_from.runtime == FLINK_1_20
    # AND the stack set back to 1.20 is refused: state moves one way
    with pytest.raises(RuntimeDowngradeError, match="fanout app rollback"):
        ensure_application(kda, s3, spec)


def test_ensure_refuses_an_artifact_built_for_another_runtime(cloud: Cloud, spec: ApplicationSpec) -> None:
    # GIVEN a 1.20 stack and an artifact whose connector is 2.2's
    publish_for(cloud, spec, FLINK_2_2)
    # WHEN the create step runs THEN it creates nothing and says which artifact to publish
    with pytest.raises(ArtifactRuntimeMismatchError, match="ships the connector of FLINK-2_2"):
        ensure_application(cloud.client("kinesisanalyticsv2"), cloud.client("s3"), spec)
    assert cloud.flink.applications() == []
