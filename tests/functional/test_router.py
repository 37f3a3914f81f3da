"""The router (the Lambda engine) on moto: routing, partial PutRecords failures, poison records, a lost stream."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fanout.localcloud import moto_ext
from fanout.localcloud.lambda_runtime import load_handler
from fanout.producer import RetryPolicy
from fanout.router import DeadLetters, InputRecord, Router, RouterConfigurationError
from fanout.router.settings import RouterSettings
from fanout.routes.evaluator import Program
from fanout.routes.parser import parse_script
from tests.conftest import ACCOUNT, REGION, Cloud
from tests.support import ROOT, lambda_context, load_event

ROUTER = ROOT / "functions" / "router"
SQL = (ROOT / "sql" / "fanout.sql").read_text()
STREAMS = {
    "input.stream.arn": "transactions",
    "positive.stream.arn": "positive",
    "negative.stream.arn": "negative",
    "rejected.stream.arn": "rejected",
}
NO_WAIT = RetryPolicy(max_attempts=4, base_seconds=0.0)


def _arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


@pytest.fixture
def streams(cloud: Cloud) -> dict[str, str]:
    """The four streams of the reference scenario; the SQL's placeholder values."""
    kinesis = cloud.client("kinesis")
    for name in STREAMS.values():
        kinesis.create_stream(StreamName=name, ShardCount=1)
    return {**{key: _arn(name) for key, name in STREAMS.items()}, "aws.region": REGION, "source.init.position": "x"}


def _read(cloud: Cloud, name: str) -> list[tuple[str, bytes]]:
    kinesis = cloud.client("kinesis")
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    return [(r["PartitionKey"], r["Data"]) for r in records]


def _batch() -> list[InputRecord]:
    event = load_event("router/transactions_batch")
    return [
        InputRecord(
            r["kinesis"]["sequenceNumber"], r["kinesis"]["partitionKey"], base64.b64decode(r["kinesis"]["data"])
        )
        for r in event["Records"]
    ]


def test_router_writes_each_record_to_its_stream_with_its_partition_key(cloud: Cloud, streams: dict[str, str]) -> None:
    # GIVEN the reference routes and a batch of good, negative, malformed and incomplete transactions
    router = Router.from_sql(SQL, streams)
    batch = _batch()
    # WHEN the router routes it
    result = router.route(batch, cloud.client("kinesis"), None, retry=NO_WAIT)
    # THEN every record is in exactly the stream the executor says, with the input's partition key
    expected = Program(parse_script(SQL)).execute([r.data for r in batch])
    for sink, stream in (("positive_transactions", "positive"), ("negative_transactions", "negative")):
        assert _read(cloud, stream) == [(batch[i].partition_key, data) for i, data in expected[sink]]
    assert [pk for pk, _ in _read(cloud, "rejected")] == ["bad", "dee"]
    assert result.failed == [] and result.dead_lettered == 0
    assert sum(result.written.values()) == len(batch)


def test_router_retries_only_the_throttled_entries(cloud: Cloud, streams: dict[str, str]) -> None:
    # GIVEN half of the entries put to the positive stream throttled, a few times
    moto_ext.kinesis_faults(ACCOUNT, REGION).fail_entries("positive", every=2, times=3)
    router = Router.from_sql(SQL, streams)
    batch = _batch() * 3
    # WHEN the router routes the batch
    result = router.route(batch, cloud.client("kinesis"), None, retry=NO_WAIT)
    # THEN nothing is reported failed, and each positive record is in the stream once: only failed entries retried
    assert result.failed == []
    positive = [data for _, data in _read(cloud, "positive")]
    assert sorted(positive) == sorted(
        [b'{"id":1,"username":"ana","amount":12.5}', b'{"id":3,"username":"ana","amount":0}'] * 3
    )
    assert result.retried_entries == 3
    assert len(_read(cloud, "negative")) == 6


def test_router_reports_the_records_it_could_not_write_after_its_attempts(
    cloud: Cloud, streams: dict[str, str]
) -> None:
    # GIVEN every entry to the negative stream throttled, more times than the router tries
    moto_ext.kinesis_faults(ACCOUNT, REGION).fail_entries("negative", every=1, times=100)
    batch = _batch()
    # WHEN the router routes the batch
    result = Router.from_sql(SQL, streams).route(batch, cloud.client("kinesis"), None, retry=NO_WAIT)
    # THEN exactly the negative records are reported, for the event source mapping to retry; the others are written
    assert result.failed == [batch[1].sequence_number, batch[4].sequence_number]
    assert result.written["negative_transactions"] == 0 and result.written["positive_transactions"] == 2


def test_router_reports_the_records_of_a_deleted_output_stream_without_retrying(
    cloud: Cloud, streams: dict[str, str]
) -> None:
    # GIVEN the rejected stream deleted behind the router's back
    cloud.client("kinesis").delete_stream(StreamName="rejected")
    batch = _batch()
    calls: list[float] = []
    # WHEN the router routes the batch
    result = Router.from_sql(SQL, streams).route(
        batch, cloud.client("kinesis"), None, retry=NO_WAIT, sleep=calls.append
    )
    # THEN the rejected records are reported at once (ResourceNotFound is not retried), the others written
    assert result.failed == [batch[2].sequence_number, batch[5].sequence_number]
    assert any("ResourceNotFoundException" in error for error in result.errors)
    assert len(_read(cloud, "positive")) == 2


POISON_SQL = """
CREATE TABLE src (payload BYTES)
WITH ('connector' = 'kinesis', 'stream.arn' = '${input.stream.arn}', 'format' = 'raw');
CREATE TABLE out_ids (id INT)
WITH ('connector' = 'kinesis', 'stream.arn' = '${positive.stream.arn}', 'format' = 'json');
INSERT INTO out_ids SELECT CAST(JSON_VALUE(CAST(payload AS STRING), '$.id') AS INT) FROM src;
"""


def test_router_sends_a_poison_record_to_its_dead_letter_queue_and_routes_the_rest(
    cloud: Cloud, streams: dict[str, str]
) -> None:
    # GIVEN routes with a CAST that Flink fails the job on for an id that is not a number, and a dead-letter queue
    sqs = cloud.client("sqs")
    queue = sqs.create_queue(QueueName="router-dlq")["QueueUrl"]
    batch = [
        InputRecord("1", "a", b'{"id": 1}'),
        InputRecord("2", "b", b'{"id": "x"}'),
        InputRecord("3", "c", b'{"id": 3}'),
    ]
    # WHEN the router routes them
    router = Router.from_sql(POISON_SQL, streams)
    result = router.route(batch, cloud.client("kinesis"), DeadLetters(sqs, queue), source_arn="arn:src", retry=NO_WAIT)
    # THEN the poison record is in the queue with its reason and bytes, the others in the stream, none reported
    assert result.failed == [] and result.dead_lettered == 1
    assert [data for _, data in _read(cloud, "positive")] == [b'{"id":1}', b'{"id":3}']
    letter = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    assert letter["sequenceNumber"] == "2" and base64.b64decode(letter["data"]) == b'{"id": "x"}'
    assert "Flink would fail the job" in letter["reason"]


def test_router_dead_letters_a_record_whose_output_kinesis_cannot_take(cloud: Cloud, streams: dict[str, str]) -> None:
    # GIVEN routes that wrap the payload in JSON, and an input record that fits Kinesis but whose output does not
    sqs = cloud.client("sqs")
    queue = sqs.create_queue(QueueName="router-dlq")["QueueUrl"]
    sql = POISON_SQL.replace("out_ids (id INT)", "out_ids (p STRING)").replace(
        "CAST(JSON_VALUE(CAST(payload AS STRING), '$.id') AS INT)", "CAST(payload AS STRING)"
    )
    big = b'"' * (1024 * 1024 - 16)  # each quote is escaped in the output: twice as long
    batch = [InputRecord("1", "a", big), InputRecord("2", "b", b"small")]
    # WHEN the router routes them
    result = Router.from_sql(sql, streams).route(batch, cloud.client("kinesis"), DeadLetters(sqs, queue), retry=NO_WAIT)
    # THEN the big record is dead-lettered with why (retrying could never write it), the small one is written
    assert result.failed == [] and result.dead_lettered == 1 and result.written["out_ids"] == 1
    letter = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    assert letter["sequenceNumber"] == "1" and "its output to out_ids cannot be written" in letter["reason"]
    assert letter["truncated"] is True and letter["dataBytes"] == len(big)  # too large for SQS: where to read it


def test_router_reports_a_poison_record_it_cannot_dead_letter(cloud: Cloud, streams: dict[str, str]) -> None:
    # GIVEN a dead-letter queue that does not exist
    sqs = cloud.client("sqs")
    missing = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/missing"
    batch = [InputRecord("1", "a", b'{"id": "x"}'), InputRecord("2", "b", b'{"id": 2}')]
    # WHEN the router routes a poison record
    result = Router.from_sql(POISON_SQL, streams).route(batch, cloud.client("kinesis"), DeadLetters(sqs, missing))
    # THEN it is reported for a retry: never dropped
    assert result.failed == ["1"] and result.dead_lettered == 0


def test_router_refuses_a_sink_without_a_stream_arn(streams: dict[str, str]) -> None:
    # GIVEN a sink table whose connector names no stream
    sql = POISON_SQL.replace("'stream.arn' = '${positive.stream.arn}', ", "")
    # WHEN the router is built THEN a named configuration error says which sink
    with pytest.raises(RouterConfigurationError, match="out_ids"):
        Router.from_sql(sql, streams)


def test_router_settings_name_a_bad_properties_variable(tmp_path: Path) -> None:
    # GIVEN properties that are not a JSON object WHEN read THEN a named error says which variable
    with pytest.raises(RouterConfigurationError, match="ROUTER_PROPERTIES"):
        RouterSettings.from_env({"ROUTER_PROPERTIES": "[1]"}, tmp_path / "x.sql")
    with pytest.raises(RouterConfigurationError, match="ROUTER_PROPERTIES is not JSON"):
        RouterSettings.from_env({"ROUTER_PROPERTIES": "{"}, tmp_path / "x.sql")
    with pytest.raises(RouterConfigurationError, match="max_put_attempts"):
        RouterSettings.from_env({"ROUTER_PROPERTIES": "{}", "ROUTER_MAX_PUT_ATTEMPTS": "0"}, tmp_path / "x.sql")


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch, streams: dict[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    monkeypatch.setenv("ROUTER_PROPERTIES", json.dumps(streams))
    function = load_handler(ROUTER, "route.handler")
    return lambda event: function(event, lambda_context("router"))  # type: ignore[no-any-return]


def test_router_handler_routes_the_sample_event(
    cloud: Cloud, handler: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    # GIVEN the sample event `sam local invoke -e events/router/transactions_batch.json` uses
    event = load_event("router/transactions_batch")
    # WHEN the handler runs THEN nothing is reported and the outputs are in their streams
    assert handler(event) == {"batchItemFailures": []}
    assert (len(_read(cloud, "positive")), len(_read(cloud, "negative")), len(_read(cloud, "rejected"))) == (2, 2, 2)


def test_router_handler_reports_the_records_of_a_deleted_stream(
    cloud: Cloud, handler: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    # GIVEN the negative stream deleted
    cloud.client("kinesis").delete_stream(StreamName="negative")
    event = load_event("router/transactions_batch")
    # WHEN the handler runs THEN the partial batch response names the negative records
    failures = handler(event)["batchItemFailures"]
    assert [f["itemIdentifier"] for f in failures] == [event["Records"][i]["kinesis"]["sequenceNumber"] for i in (1, 4)]
