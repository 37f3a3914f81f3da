"""What the offline runtime relies on in moto. These fail loudly when a moto upgrade changes it."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fanout.localcloud import moto_ext
from tests.conftest import ACCOUNT, Cloud


def test_moto_is_the_pinned_version() -> None:
    version = tuple(int(p) for p in importlib.metadata.version("moto").split(".")[:3])
    assert version >= (5, 2, 3), "moto below 5.2.3 crashes on a second Step Functions execution"


def test_moto_still_has_the_classes_we_patch() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.kinesisanalyticsv2.responses import KinesisAnalyticsV2Response

    moto_ext.install()
    assert LambdaSimpleBackend.invoke is moto_ext._invoke
    for action in moto_ext._ACTIONS:
        assert callable(getattr(KinesisAnalyticsV2Response, action))


def test_kinesisanalyticsv2_errors_are_modelled_exceptions(cloud: Cloud) -> None:
    kda = cloud.client("kinesisanalyticsv2")
    with pytest.raises(kda.exceptions.ResourceNotFoundException):
        kda.describe_application(ApplicationName="nope")
    request = {
        "ApplicationName": "dup",
        "RuntimeEnvironment": "FLINK-1_20",
        "ServiceExecutionRole": "arn:aws:iam::123456789012:role/r",
    }
    kda.create_application(**request)
    assert kda.describe_application(ApplicationName="dup")["ApplicationDetail"]["ApplicationStatus"] == "READY"
    with pytest.raises(kda.exceptions.ResourceInUseException):
        kda.create_application(**request)
    with pytest.raises(kda.exceptions.ResourceInUseException):
        kda.stop_application(ApplicationName="dup")  # stop without force needs RUNNING
    with pytest.raises(ClientError) as err:
        kda.delete_application(ApplicationName="dup", CreateTimestamp=0)
    assert err.value.response["Error"]["Code"] == "InvalidArgumentException"


def test_statuses_and_operations_follow_aws(cloud: Cloud) -> None:
    import time

    kda = cloud.client("kinesisanalyticsv2")
    kda.create_application(
        ApplicationName="ops",
        RuntimeEnvironment="FLINK-1_20",
        ServiceExecutionRole="arn:aws:iam::123456789012:role/r",
        ApplicationConfiguration={"ApplicationSnapshotConfiguration": {"SnapshotsEnabled": True}},
    )
    op = kda.start_application(
        ApplicationName="ops",
        RunConfiguration={"ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"}},
    )["OperationId"]
    assert kda.describe_application(ApplicationName="ops")["ApplicationDetail"]["ApplicationStatus"] == "STARTING"
    time.sleep(0.6)
    assert kda.describe_application(ApplicationName="ops")["ApplicationDetail"]["ApplicationStatus"] == "RUNNING"
    info = kda.describe_application_operation(ApplicationName="ops", OperationId=op)["ApplicationOperationInfoDetails"]
    assert info["OperationStatus"] == "SUCCESSFUL"
    kda.stop_application(ApplicationName="ops")
    assert kda.describe_application(ApplicationName="ops")["ApplicationDetail"]["ApplicationStatus"] == "STOPPING"
    time.sleep(0.6)
    assert kda.describe_application(ApplicationName="ops")["ApplicationDetail"]["ApplicationStatus"] == "READY"
    assert len(kda.list_application_snapshots(ApplicationName="ops")["SnapshotSummaries"]) == 1


def test_lambda_invoke_runs_the_real_handler_and_maps_exceptions(cloud: Cloud, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io
    import json
    import zipfile

    (tmp_path / "h.py").write_text(
        "class BoomError(Exception):\n    pass\n"
        "def ok(event, context):\n    return {'echo': event, 'fn': context.function_name}\n"
        "def boom(event, context):\n    raise BoomError('no')\n"
    )
    iam, lam = cloud.client("iam"), cloud.client("lambda")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    zipfile.ZipFile(buf, "w").writestr("x", "")
    for name in ("ok", "boom"):
        lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role, Handler=f"h.{name}", Code={"ZipFile": buf.getvalue()}
        )
        moto_ext.register_function(name, tmp_path, f"h.{name}", {}, account=ACCOUNT, region=cloud.region)
    ok = lam.invoke(FunctionName="ok", Payload=json.dumps({"a": 1}))
    assert json.loads(ok["Payload"].read()) == {"echo": {"a": 1}, "fn": "ok"}
    assert "FunctionError" not in ok
    boom = lam.invoke(FunctionName="boom", Payload="{}")
    assert boom["FunctionError"] == "Unhandled"
    assert json.loads(boom["Payload"].read())["errorType"] == "BoomError"


def _settle(kda: Any, name: str, status: str) -> dict[str, Any]:
    """The application's detail once it reaches ``status`` (the local transitions take under a second)."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        detail: dict[str, Any] = kda.describe_application(ApplicationName=name)["ApplicationDetail"]
        if detail["ApplicationStatus"] == status:
            return detail
        time.sleep(0.05)
    raise AssertionError(f"{name} never reached {status}")


def test_a_runtime_upgrade_moves_state_one_way_and_a_rollback_goes_back_to_the_last_1x_snapshot(cloud: Cloud) -> None:
    # GIVEN a FLINK-1_20 application that ran once (one 1.20 snapshot)
    kda = cloud.client("kinesisanalyticsv2")
    kda.create_application(
        ApplicationName="up",
        RuntimeEnvironment="FLINK-1_20",
        ServiceExecutionRole="arn:aws:iam::123456789012:role/r",
        ApplicationConfiguration={"ApplicationSnapshotConfiguration": {"SnapshotsEnabled": True}},
    )
    skip = {"ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"}}
    kda.start_application(ApplicationName="up", RunConfiguration=skip)
    _settle(kda, "up", "RUNNING")
    kda.stop_application(ApplicationName="up")
    _settle(kda, "up", "READY")
    # WHEN it is upgraded in place to FLINK-2_2, runs and stops again (a 2.2 snapshot)
    kda.update_application(ApplicationName="up", CurrentApplicationVersionId=1, RuntimeEnvironmentUpdate="FLINK-2_2")
    upgraded = _settle(kda, "up", "READY")
    latest = {"ApplicationRestoreConfiguration": {"ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"}}
    kda.start_application(ApplicationName="up", RunConfiguration=latest)
    _settle(kda, "up", "RUNNING")
    kda.stop_application(ApplicationName="up")
    _settle(kda, "up", "READY")
    snapshots = kda.list_application_snapshots(ApplicationName="up")["SnapshotSummaries"]
    # THEN the upgrade made a new version on 2.2, whose stop took a 2.2 snapshot
    assert (upgraded["RuntimeEnvironment"], upgraded["ApplicationVersionId"]) == ("FLINK-2_2", 2)
    assert sorted(s["RuntimeEnvironment"] for s in snapshots) == ["FLINK-1_20", "FLINK-2_2"]
    # AND going back by UpdateApplication is refused: state moves one way
    with pytest.raises(ClientError) as refused:
        kda.update_application(
            ApplicationName="up", CurrentApplicationVersionId=2, RuntimeEnvironmentUpdate="FLINK-1_20"
        )
    assert refused.value.response["Error"]["Code"] == "InvalidArgumentException"
    # WHEN it is rolled back, and started from its latest snapshot
    kda.rollback_application(ApplicationName="up", CurrentApplicationVersionId=2)
    rolled = _settle(kda, "up", "READY")
    kda.start_application(ApplicationName="up", RunConfiguration=latest)
    _settle(kda, "up", "RUNNING")
    # THEN it is on 1.20 again, a new version, restored from the last snapshot 1.20 can read
    assert (rolled["RuntimeEnvironment"], rolled["ApplicationVersionId"]) == ("FLINK-1_20", 3)
    app = cloud.flink.describe("up")
    assert app.restored_from is not None and app.restored_from.runtime == "FLINK-1_20"
