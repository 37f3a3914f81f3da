"""`fanout tail` against moto: records as JSON lines or a table, start positions, limits, odd payloads, errors."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from fanout import cli
from fanout.localcloud.deploy import LocalDeployment
from fanout.streams import StartPositionError, StreamNotFoundError
from tests.conftest import Cloud
from tests.functional.test_cli_put import two_shard_stream

STREAM = "tail-test"


@pytest.fixture
def kinesis(cloud: Cloud) -> Any:
    return two_shard_stream(cloud, STREAM)


def tail(*args: str) -> Result:
    cli._register()
    return CliRunner().invoke(cli.app, ["tail", *args])


def put_json(kinesis: Any, values: list[dict[str, Any]], stream: str = STREAM) -> None:
    for value in values:
        kinesis.put_record(StreamName=stream, Data=json.dumps(value).encode(), PartitionKey=str(value["id"]))


def lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_tail_from_trim_horizon_prints_every_record_as_json_lines(kinesis: Any) -> None:
    # GIVEN 12 records spread over both shards
    put_json(kinesis, [{"id": i, "amount": i - 6} for i in range(12)])
    # WHEN the stream is tailed from the trim horizon until idle
    result = tail(STREAM, "--from", "trim-horizon", "--timeout", "0.6")
    # THEN each record is one JSON line with its metadata and decoded data, from both shards
    assert result.exit_code == 0, result.output
    rows = lines(result)
    assert sorted(r["data"]["id"] for r in rows) == list(range(12))
    assert {r["shard"] for r in rows} == {"shardId-000000000000", "shardId-000000000001"}
    assert all(r["partition_key"] == str(r["data"]["id"]) for r in rows)
    assert all(datetime.fromisoformat(r["arrival"]).tzinfo is not None for r in rows)


def test_tail_limit_stops_after_n_records(kinesis: Any) -> None:
    put_json(kinesis, [{"id": i} for i in range(10)])
    began = time.monotonic()
    result = tail(STREAM, "--from", "trim-horizon", "--limit", "4")
    assert result.exit_code == 0, result.output
    assert len(lines(result)) == 4
    assert time.monotonic() - began < 5


def test_tail_from_latest_prints_only_new_records(kinesis: Any) -> None:
    # GIVEN old records, and new ones put every 0.2 s while the tail runs
    put_json(kinesis, [{"id": i, "age": "old"} for i in range(5)])
    done = threading.Event()

    def keep_putting() -> None:
        for i in range(5, 50):
            if done.wait(0.2):
                return
            put_json(kinesis, [{"id": i, "age": "new"}])

    writer = threading.Thread(target=keep_putting)
    writer.start()
    # WHEN the stream is tailed from LATEST (the default) for 3 records
    try:
        result = tail(STREAM, "--limit", "3", "--timeout", "5")
    finally:
        done.set()
        writer.join(timeout=5)
    # THEN only new records are printed
    assert result.exit_code == 0, result.output
    rows = lines(result)
    assert len(rows) == 3
    assert {r["data"]["age"] for r in rows} == {"new"}


def test_tail_from_timestamp_skips_earlier_records(kinesis: Any) -> None:
    put_json(kinesis, [{"id": 1}])
    time.sleep(0.3)
    since = datetime.now(UTC).isoformat()
    time.sleep(0.3)
    put_json(kinesis, [{"id": 2}])
    result = tail(STREAM, "--from", since, "--timeout", "0.6")
    assert result.exit_code == 0, result.output
    assert [r["data"]["id"] for r in lines(result)] == [2]


def test_tail_prints_non_json_and_binary_records_safely(kinesis: Any) -> None:
    # GIVEN a text record, a binary record and a pretty-printed JSON record on one shard
    for data in (b"plain, not json", b"\xff\x00\xfe", b'{\n  "id": 9,\n  "note": "a\\nb"\n}'):
        kinesis.put_record(StreamName=STREAM, Data=data, PartitionKey="same")
    # WHEN tailed
    result = tail(STREAM, "--from", "trim-horizon", "--limit", "3")
    # THEN every line is valid JSON marking what the payload was
    assert result.exit_code == 0, result.output
    text, binary, pretty = lines(result)
    assert text["text"] == "plain, not json" and "data" not in text
    assert binary["base64"] == "/wD+"
    assert pretty["data"] == {"id": 9, "note": "a\nb"}


def test_tail_table_format_shows_records(kinesis: Any) -> None:
    kinesis.put_record(StreamName=STREAM, Data=b'{"id": 41}', PartitionKey="k41")
    kinesis.put_record(StreamName=STREAM, Data=b"\xff", PartitionKey="k41")
    result = tail(STREAM, "--from", "trim-horizon", "--limit", "2", "--format", "table")
    assert result.exit_code == 0, result.output
    assert "partition key" in result.stdout and "k41" in result.stdout
    assert '{"id": 41}' in result.stdout
    assert "base64: /w==" in result.stdout


def test_tail_unknown_stream_is_a_named_error(cloud: Cloud) -> None:
    result = tail("no-such-stream", "--timeout", "0.2")
    assert isinstance(result.exception, StreamNotFoundError)
    assert "'no-such-stream' not found" in str(result.exception)


def test_tail_bad_start_position_is_a_named_error(kinesis: Any) -> None:
    result = tail(STREAM, "--from", "yesterday-ish")
    assert isinstance(result.exception, StartPositionError)


def test_tail_route_alias_resolves_from_the_stack(deployment: LocalDeployment, cloud: Cloud) -> None:
    # GIVEN a record on the deployed stack's positive stream
    kinesis = cloud.client("kinesis")
    put_json(kinesis, [{"id": 5, "amount": 3.5}], deployment.outputs["PositiveTransactionsStreamName"])
    # WHEN `positive` is tailed with the stack
    result = tail("positive", "--stack", "fanout", "--from", "trim-horizon", "--limit", "1")
    # THEN the alias named the stack's stream
    assert result.exit_code == 0, result.output
    assert lines(result)[0]["data"] == {"id": 5, "amount": 3.5}
