"""The cloud's own services reach Kinesis and Lambda in process: the same answers and errors as over the endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fanout.localcloud.internal import InternalKinesis, InternalLambda, internal_clients
from tests.conftest import ACCOUNT, Cloud
from tests.support import echo_and_boom_functions


@pytest.fixture
def internal(cloud: Cloud) -> Any:
    """The client factory the Flink job and the event source mappings get."""
    return internal_clients(cloud.client, ACCOUNT, cloud.region)


def _iterator(kinesis: Any, stream: str) -> str:
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    return str(
        kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    )


def _error(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_get_records_reads_what_boto3_reads_over_the_endpoint(cloud: Cloud, internal: Any) -> None:
    # Given records with text, binary and large data in a stream
    kinesis, inside = cloud.client("kinesis"), internal("kinesis")
    assert isinstance(inside, InternalKinesis)
    kinesis.create_stream(StreamName="s", ShardCount=1)
    data = [b'{"amount":1}', bytes(range(256)), b"\xff\xfe", b"x" * 3000]
    kinesis.put_records(StreamName="s", Records=[{"Data": d, "PartitionKey": f"k{i}"} for i, d in enumerate(data)])
    iterator = _iterator(kinesis, "s")
    # When the same GetRecords is made in process and over the endpoint
    ours, theirs = (
        inside.get_records(ShardIterator=iterator, Limit=3),
        kinesis.get_records(ShardIterator=iterator, Limit=3),
    )
    # Then the records, their arrival timestamps (to the millisecond), the next iterator and the lag are the same
    theirs.pop("ResponseMetadata")
    assert ours == theirs
    assert [r["Data"] for r in ours["Records"]] == data[:3]
    rest = inside.get_records(ShardIterator=ours["NextShardIterator"])
    assert [r["Data"] for r in rest["Records"]] == data[3:] and rest["MillisBehindLatest"] == 0


def test_put_records_writes_as_the_endpoint_does_with_the_armed_faults(cloud: Cloud, internal: Any) -> None:
    # Given a stream whose every second entry is throttled
    kinesis, inside = cloud.client("kinesis"), internal("kinesis")
    kinesis.create_stream(StreamName="s", ShardCount=1)
    records = [{"Data": b"%d" % i, "PartitionKey": f"k{i}"} for i in range(6)]
    cloud.kinesis_faults.fail_entries("s", every=2, times=3)
    # When it is written in process
    answer = inside.put_records(StreamName="s", Records=records)
    # Then the failed entries are reported as over the endpoint, and the others are stored, readable by anyone
    assert answer["FailedRecordCount"] == 3
    failed = [i for i, r in enumerate(answer["Records"]) if "ErrorCode" in r]
    assert all(answer["Records"][i]["ErrorCode"] == "ProvisionedThroughputExceededException" for i in failed)
    stored = kinesis.get_records(ShardIterator=_iterator(kinesis, "s"))["Records"]
    kept = [r for i, r in enumerate(records) if i not in failed]
    assert [(r["Data"], r["PartitionKey"]) for r in stored] == [(r["Data"], r["PartitionKey"]) for r in kept]
    assert [r["SequenceNumber"] for r in stored] == [
        r["SequenceNumber"] for r in answer["Records"] if "ErrorCode" not in r
    ]


def test_errors_are_the_client_errors_of_the_endpoint(cloud: Cloud, internal: Any) -> None:
    # Given a stream read once, then deleted behind the reader's back
    kinesis, inside = cloud.client("kinesis"), internal("kinesis")
    kinesis.create_stream(StreamName="s", ShardCount=1)
    iterator = _iterator(kinesis, "s")
    too_many = [{"Data": b"x", "PartitionKey": "k"}] * 501
    # Then a PutRecords over the limit fails alike both ways
    assert _error(inside.put_records, StreamName="s", Records=too_many) == _error(
        kinesis.put_records, StreamName="s", Records=too_many
    )
    kinesis.delete_stream(StreamName="s")
    # And reading or writing the missing stream fails with the same code and message both ways
    for call, kwargs in (
        ("get_records", {"ShardIterator": iterator}),
        ("put_records", {"StreamName": "s", "Records": [{"Data": b"x", "PartitionKey": "k"}]}),
    ):
        ours = _error(getattr(inside, call), **kwargs)
        assert ours == _error(getattr(kinesis, call), **kwargs)
        assert ours[0] == "ResourceNotFoundException"


def test_other_calls_go_to_the_endpoint(cloud: Cloud, internal: Any) -> None:
    inside = internal("kinesis")
    inside.create_stream(StreamName="s", ShardCount=2)
    assert len(cloud.client("kinesis").list_shards(StreamName="s")["Shards"]) == 2
    assert internal("sqs").meta.service_model.service_name == "sqs"


def test_invoke_runs_the_handler_and_answers_as_the_endpoint(cloud: Cloud, internal: Any, tmp_path: Any) -> None:
    # Given a function that echoes and one that raises
    echo_and_boom_functions(cloud.client, tmp_path, account=ACCOUNT, region=cloud.region)
    lam, inside = cloud.client("lambda"), internal("lambda")
    assert isinstance(inside, InternalLambda)
    # When each is invoked in process and over the endpoint
    for name in ("ok", "boom"):
        ours = inside.invoke(FunctionName=name, Payload=json.dumps({"a": 1}).encode())
        theirs = lam.invoke(FunctionName=name, Payload=json.dumps({"a": 1}).encode())
        # Then the payloads and the function errors are the same
        assert json.loads(ours["Payload"].read()) == json.loads(theirs["Payload"].read())
        assert ours.get("FunctionError") == theirs.get("FunctionError")
        assert ours["StatusCode"] == theirs["StatusCode"]
    # And a function that does not exist is the same error both ways
    assert (
        _error(inside.invoke, FunctionName="nope", Payload=b"{}")[0]
        == _error(lam.invoke, FunctionName="nope", Payload=b"{}")[0]
    )
