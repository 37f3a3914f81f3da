"""`fanout discover` against moto: sampling every shard, inferred columns, and clear messages for bad data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from fanout.cli import _register, app
from fanout.discover import EmptyStreamError, NotJsonError, StreamNotFoundError, discover
from tests.conftest import Cloud

_register()
# Hash keys that land in the first and the second of two evenly split shards.
LOW, HIGH = "1", str(2**127 + 1)


def make_stream(cloud: Cloud, name: str, shards: int = 2) -> Any:
    kinesis = cloud.client("kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis


def put(kinesis: Any, name: str, records: list[bytes], hash_key: str = LOW) -> None:
    for record in records:
        kinesis.put_record(StreamName=name, Data=record, PartitionKey="k", ExplicitHashKey=hash_key)


def test_discover_samples_every_shard_and_infers_nested_types(cloud: Cloud) -> None:
    # GIVEN transactions spread over two shards, with a nested object and an array
    kinesis = make_stream(cloud, "tx")
    put(kinesis, "tx", [b'{"id": 1, "username": "ann", "amount": 12.5, "address": {"city": "Oslo"}, "tags": ["a"]}'])
    put(
        kinesis,
        "tx",
        [b'{"id": 2, "username": "bob", "amount": -999.99, "address": {"city": "Rome"}, "tags": []}'],
        HIGH,
    )
    # WHEN discovered
    sample, schema = discover(kinesis, "tx", samples=10)
    # THEN both shards were read and the column list is ready for CREATE TABLE
    assert sorted(sample.per_shard.values()) == [1, 1]
    assert schema.column_list() == (
        "id INT,\nusername STRING,\namount DECIMAL(5, 2),\naddress ROW<city STRING>,\ntags ARRAY<STRING>"
    )
    assert schema.warnings == []
    # AND the projection lines read the raw payload like sql/fanout.sql, nested fields by path
    lines = schema.projections().splitlines()
    assert "TRY_CAST(JSON_VALUE(CAST(payload AS STRING), '$.amount') AS DECIMAL(5, 2)) AS amount," in lines
    assert "JSON_VALUE(CAST(payload AS STRING), '$.address.city') AS address_city" in lines
    assert "-- $.tags: ARRAY<STRING> (JSON_VALUE reads scalars only)" in lines


def test_discover_sample_size_is_shared_between_shards(cloud: Cloud) -> None:
    # GIVEN five records on each of two shards
    kinesis = make_stream(cloud, "tx")
    put(kinesis, "tx", [b'{"n": %d}' % i for i in range(5)])
    put(kinesis, "tx", [b'{"n": %d}' % i for i in range(5)], HIGH)
    # WHEN four samples are asked for
    sample, schema = discover(kinesis, "tx", samples=4)
    # THEN each shard gives its share, oldest first
    assert list(sample.per_shard.values()) == [2, 2]
    assert sample.records[:2] == [b'{"n": 0}', b'{"n": 1}']
    assert schema.records == 4


def test_discover_empty_stream_raises_named_error(cloud: Cloud) -> None:
    # GIVEN a stream with no records WHEN discovered THEN EmptyStreamError names it and its shards
    kinesis = make_stream(cloud, "empty")
    with pytest.raises(EmptyStreamError, match="'empty' has no records in its 2 shards"):
        discover(kinesis, "empty")


def test_discover_missing_stream_raises_named_error(cloud: Cloud) -> None:
    # GIVEN no such stream WHEN discovered THEN StreamNotFoundError
    with pytest.raises(StreamNotFoundError, match="'nope'"):
        discover(cloud.client("kinesis"), "nope")


def test_discover_only_non_json_records_raises_named_error(cloud: Cloud) -> None:
    # GIVEN text and JSON arrays only
    kinesis = make_stream(cloud, "text", shards=1)
    put(kinesis, "text", [b"hello", b"[1, 2]", b"NaN"])
    # WHEN discovered THEN NotJsonError gives the counts
    with pytest.raises(NotJsonError, match=r"none of the 3 sampled records is a JSON object \(2 not JSON, 1 JSON"):
        discover(kinesis, "text")


def test_discover_conflicts_nulls_and_bad_records_are_warnings_with_counts(cloud: Cloud) -> None:
    # GIVEN a field that is a string or a number, one always null, one missing, and a non-JSON record
    kinesis = make_stream(cloud, "mixed", shards=1)
    put(
        kinesis,
        "mixed",
        [
            b'{"id": 1, "code": "A1", "note": null, "big": 3000000000}',
            b'{"id": 2, "code": 17, "note": null}',
            b'{"id": 3, "code": 18, "note": null, "big": 1}',
            b"garbage",
        ],
    )
    # WHEN discovered
    _, schema = discover(kinesis, "mixed")
    # THEN nothing is guessed silently: each doubt is a warning with its counts
    assert schema.column_list() == "id INT,\ncode STRING,\nnote STRING,\nbig BIGINT"
    assert schema.warnings == [
        "1 of 4 records are not JSON: ignored for the schema",
        "$.code: conflicting types (integer in 2, string in 1 records): typed STRING",
        "$.note: always null in 3 records: typed STRING, check it",
        "$.big: missing in 1 of 3 records (NULL there)",
    ]


def test_cli_discover_resolves_stream_from_stack_output(cloud: Cloud) -> None:
    # GIVEN a stack whose TransactionsStreamName output names a stream with records
    cloud.client("cloudformation").create_stack(
        StackName="fanout",
        TemplateBody=json.dumps(
            {
                "Resources": {"Tx": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": "tx", "ShardCount": 1}}},
                "Outputs": {"TransactionsStreamName": {"Value": {"Ref": "Tx"}}},
            }
        ),
    )
    put(cloud.client("kinesis"), "tx", [b'{"id": 1, "amount": 1.25}'])
    # WHEN `fanout discover --stack fanout --json` runs without --stream
    result = CliRunner().invoke(app, ["discover", "--stack", "fanout", "--json", "--samples", "5"])
    # THEN it sampled that stream
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["stream"] == "tx"
    assert document["column_list"] == "id INT,\namount DECIMAL(3, 2)"


def test_cli_discover_prints_column_list_and_warnings(cloud: Cloud) -> None:
    # GIVEN a stream with one JSON and one non-JSON record
    kinesis = make_stream(cloud, "tx", shards=1)
    put(kinesis, "tx", [b'{"id": 1}', b"oops"])
    # WHEN discovered for people
    result = CliRunner().invoke(app, ["discover", "--stream", "tx"])
    # THEN the warning and the CREATE TABLE are printed
    assert result.exit_code == 0, result.output
    assert "1 of 2 records are not JSON" in result.output
    assert "CREATE TABLE input_records" in result.output


@pytest.mark.parametrize("key", ["count", "raw", "result", "position", "out", "bytes"])
def test_discover_ident_quotes_flink_reserved_words(key: str) -> None:
    # GIVEN a JSON key that is a reserved word of Flink's parser WHEN made an identifier
    from fanout.discover.infer import ident

    # THEN it is in backticks (Flink rejects it bare), while a plain key stays as it is
    assert ident(key) == f"`{key}`"
    assert ident("amount") == "amount"


def test_cli_discover_route_alias_and_arn_resolve_like_tail_and_put(cloud: Cloud) -> None:
    # GIVEN a stack whose Outputs name the rejected stream, holding one JSON record
    cloud.client("cloudformation").create_stack(
        StackName="fanout",
        TemplateBody=json.dumps(
            {
                "Resources": {"Rj": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": "rj", "ShardCount": 1}}},
                "Outputs": {"RejectedTransactionsStreamName": {"Value": {"Ref": "Rj"}}},
            }
        ),
    )
    put(cloud.client("kinesis"), "rj", [b'{"id": 7}'])
    arn = cloud.client("kinesis").describe_stream_summary(StreamName="rj")["StreamDescriptionSummary"]["StreamARN"]
    for stream in ("rejected", arn):
        # WHEN discovered by the route alias, then by the stream's ARN
        result = CliRunner().invoke(app, ["discover", "--stack", "fanout", "--stream", stream, "--json"])
        # THEN both name the stack's stream
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["stream"] == "rj"


def test_cli_discover_missing_stream_exits_6_with_a_hint(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN no such stream WHEN the real entry point discovers it
    from fanout.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["discover", "--stream", "nope"])
    # THEN it is "stream not found" (exit 6, as for tail and put) with a hint, not a generic error (exit 3)
    err = capsys.readouterr().err
    assert exited.value.code == 6
    assert err.startswith("error: StreamNotFoundError: stream 'nope' not found") and "hint:" in err


def test_sampling_a_resharded_throttled_stream_reads_each_shard_on_its_own_within_the_call_bound() -> None:
    # GIVEN a closed parent and its child on a fake Kinesis, the parent throttled on its first read
    from fanout.discover import sample_stream
    from tests.unit.streams.fakes import FakeKinesis

    fake = FakeKinesis().shard("p", b'{"n": 1}', closed=True).shard("c", b'{"n": 2}', b'{"n": 3}', parents=("p",))
    fake.throttle["p"] = 1
    # WHEN sampled
    sample = sample_stream(fake, "s", samples=10)
    # THEN the throttled read was retried, each shard gave its records, and the child was not listed for again
    assert sample.per_shard == {"p": 1, "c": 2}
    assert fake.reads == ["p", "p", "c", "c"]  # the last read of the child finds its tip
    assert len(fake.list_calls) == 1
