"""What the offline runtime relies on in moto. These fail loudly when a moto upgrade changes it."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fanout.localcloud import moto_ext
from tests.conftest import ACCOUNT, Cloud
from tests.support import echo_and_boom_functions


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
    import json

    echo_and_boom_functions(cloud.client, tmp_path, account=ACCOUNT, region=cloud.region)
    lam = cloud.client("lambda")
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


def _raw_bodies(client: Any) -> list[dict[str, Any]]:
    """Every answer ``client`` gets from now on, as the JSON the server sent."""
    import json

    bodies: list[dict[str, Any]] = []
    client.meta.events.register(
        "after-call.kinesis.*", lambda http_response, **_: bodies.append(json.loads(http_response.content))
    )
    return bodies


def _shard_iterator(kinesis: Any, stream: str) -> str:
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    found = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return str(found["ShardIterator"])


@pytest.fixture
def moto_serializer() -> Any:
    """Put moto's own PutRecords/GetRecords answers back while the block runs (for comparison)."""
    from contextlib import contextmanager

    from moto.kinesis.responses import KinesisResponse

    @contextmanager
    def original() -> Any:
        fast = {name: getattr(KinesisResponse, name) for name in ("put_records", "get_records")}
        try:
            for name, method in fast.items():
                setattr(KinesisResponse, name, method.__wrapped__)
            yield
        finally:
            for name, method in fast.items():
                setattr(KinesisResponse, name, method)

    return original


def test_get_records_answers_as_moto_serializes_them(cloud: Cloud, moto_serializer: Any) -> None:
    # Given records with text, binary and empty-ish data in a stream
    kinesis = cloud.client("kinesis")
    kinesis.create_stream(StreamName="wire", ShardCount=1)
    data = [b'{"amount":1}', bytes(range(256)), b"\xff\xfe", b"x" * 3000]
    kinesis.put_records(StreamName="wire", Records=[{"Data": d, "PartitionKey": f"k{i}"} for i, d in enumerate(data)])
    iterator = _shard_iterator(kinesis, "wire")
    bodies = _raw_bodies(kinesis)
    # When the same GetRecords is answered by our writer and by moto's serializer
    ours = kinesis.get_records(ShardIterator=iterator, Limit=3)
    with moto_serializer():
        theirs = kinesis.get_records(ShardIterator=iterator, Limit=3)
    # Then the bytes on the wire mean the same, and the SDK reads the same records
    assert bodies[0] == bodies[1]
    assert [r["Data"] for r in ours["Records"]] == data[:3]
    assert ours["Records"] == theirs["Records"] and ours["NextShardIterator"] == theirs["NextShardIterator"]


def test_put_records_answers_as_moto_serializes_them_with_failed_entries(cloud: Cloud, moto_serializer: Any) -> None:
    # Given a stream whose every second entry is throttled
    kinesis = cloud.client("kinesis")
    kinesis.create_stream(StreamName="wire", ShardCount=2)
    records = [{"Data": b"%d" % i, "PartitionKey": f"k{i}"} for i in range(6)]
    bodies = _raw_bodies(kinesis)
    # When the same PutRecords is answered by our writer and by moto's serializer
    cloud.kinesis_faults.fail_entries("wire", every=2, times=3)
    kinesis.put_records(StreamName="wire", Records=records)
    cloud.kinesis_faults.fail_entries("wire", every=2, times=3)
    with moto_serializer():
        kinesis.put_records(StreamName="wire", Records=records)

    # Then both say the same, but for the sequence numbers
    def shape(body: dict[str, Any]) -> dict[str, Any]:
        entries = [{k: ("<seq>" if k == "SequenceNumber" else v) for k, v in e.items()} for e in body["Records"]]
        return {**body, "Records": entries}

    assert shape(bodies[0]) == shape(bodies[1])
    assert bodies[0]["FailedRecordCount"] == 3


def test_an_idle_poll_at_the_end_of_a_shard_reads_nothing_without_scanning_it(cloud: Cloud) -> None:
    # Given a shard read to its end
    kinesis = cloud.client("kinesis")
    kinesis.create_stream(StreamName="idle", ShardCount=1)
    kinesis.put_records(StreamName="idle", Records=[{"Data": b"%d" % i, "PartitionKey": "k"} for i in range(5)])
    first = kinesis.get_records(ShardIterator=_shard_iterator(kinesis, "idle"))
    assert len(first["Records"]) == 5
    # When it is polled again, with moto's full scan of the shard made to fail
    from collections import OrderedDict

    from moto.kinesis.models import kinesis_backends

    class NoScan(OrderedDict):
        def items(self) -> Any:
            raise AssertionError("scanned the shard")

    shard = next(iter(kinesis_backends[ACCOUNT][cloud.region].streams["idle"].shards.values()))
    shard.records = NoScan(shard.records)
    idle = kinesis.get_records(ShardIterator=first["NextShardIterator"])
    # Then nothing is read, and the next record put is the next one read
    assert idle["Records"] == [] and idle["MillisBehindLatest"] == 0
    kinesis.put_record(StreamName="idle", Data=b"6", PartitionKey="k")
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=idle["NextShardIterator"])["Records"]] == [b"6"]
