"""`fanout put` against moto: delivery exactly once or reported, partial failures, order per key, limits, input."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner, Result

from fanout import cli
from fanout.cli.errors import ExitCode, classify
from fanout.localcloud import moto_ext
from fanout.localcloud.deploy import LocalDeployment
from fanout.producer import fake_transactions, sender
from fanout.producer.exceptions import DeliveryIncompleteError, EndpointUnreachableError
from fanout.streams import StreamNotFoundError
from tests.conftest import ACCOUNT, REGION, Cloud

STREAM = "put-test"


def two_shard_stream(cloud: Cloud, name: str) -> Any:
    """Create a two-shard stream in moto; return the Kinesis client (shared with the tail tests)."""
    client = cloud.client("kinesis")
    client.create_stream(StreamName=name, ShardCount=2)
    return client


def cli_runner(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> CliRunner:
    """A CLI runner working in `workdir` (where undelivered files land), every command registered."""
    cli._register()
    monkeypatch.chdir(workdir)
    return CliRunner()


@pytest.fixture
def kinesis(cloud: Cloud) -> Any:
    return two_shard_stream(cloud, STREAM)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    return cli_runner(monkeypatch, tmp_path)


def put(runner: CliRunner, *args: str, stdin: bytes | None = None) -> Result:
    return runner.invoke(cli.app, ["put", "--stream", STREAM, *args], input=stdin)


def read_back(kinesis: Any, stream: str = STREAM) -> dict[str, list[dict[str, Any]]]:
    """Every record of every shard, in shard order (bounded: stops at the first empty read)."""
    shards: dict[str, list[dict[str, Any]]] = {}
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records: list[dict[str, Any]] = []
        for _ in range(100):
            response = kinesis.get_records(ShardIterator=iterator)
            if not response["Records"]:
                break
            records.extend(response["Records"])
            iterator = response["NextShardIterator"]
        shards[shard["ShardId"]] = records
    return shards


def payloads(kinesis: Any) -> Counter[bytes]:
    return Counter(r["Data"] for records in read_back(kinesis).values() for r in records)


def ndjson(tmp_path: Path, lines: list[bytes], name: str = "in.ndjson") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def test_put_fake_transactions_delivers_each_exactly_once(runner: CliRunner, kinesis: Any) -> None:
    # GIVEN an empty stream
    # WHEN 300 seeded fake transactions are put
    result = put(runner, "--count", "300", "--seed", "7", "--json")
    # THEN the summary says all were sent, and the stream holds exactly those records once each
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert summary["records"] == {
        "read": 300,
        "sent": 300,
        "retried": 0,
        "failed": 0,
        "rejected": 0,
        "blank_lines_skipped": 0,
    }
    assert payloads(kinesis) == Counter(fake_transactions(300, seed=7))
    amounts = [json.loads(p)["amount"] for p in payloads(kinesis)]
    assert any(a < 0 for a in amounts) and any(a > 0 for a in amounts)
    assert summary["records_per_second"] > 0


def test_put_partial_failures_retry_only_failed_entries_and_keep_key_order(
    runner: CliRunner, kinesis: Any, tmp_path: Path
) -> None:
    # GIVEN records of 8 keys, numbered per key, and every 3rd entry put failing 60 times
    lines = [json.dumps({"key": f"k{i % 8}", "seq": i}).encode() for i in range(400)]
    source = ndjson(tmp_path, lines)
    moto_ext.kinesis_faults(ACCOUNT, REGION).fail_entries(STREAM, every=3, times=60)
    # WHEN they are put with the key field as partition key
    result = put(runner, "--from-file", str(source), "--partition-key", "key", "--json")
    # THEN only the failed entries were retried, every record arrived exactly once, and per key in input order
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["records"]["retried"] == moto_ext.kinesis_faults(ACCOUNT, REGION).injected[STREAM] == 60
    assert summary["records"]["sent"] == 400
    assert payloads(kinesis) == Counter(lines)
    per_key: dict[str, list[int]] = defaultdict(list)
    for records in read_back(kinesis).values():
        for record in records:
            value = json.loads(record["Data"])
            assert record["PartitionKey"] == value["key"]
            per_key[value["key"]].append(value["seq"])
    assert len(per_key) == 8
    assert all(seqs == sorted(seqs) and len(seqs) == 50 for seqs in per_key.values())


def test_put_oversized_record_is_reported_alone_and_replayable(runner: CliRunner, kinesis: Any, tmp_path: Path) -> None:
    # GIVEN three small records around one of 2 KiB, with a 1 KiB record limit
    big = json.dumps({"id": 2, "blob": "x" * 2048}).encode()
    lines = [b'{"id": 1}', big, b'{"id": 3}', b'{"id": 4}']
    source = ndjson(tmp_path, lines)
    # WHEN they are put
    result = put(runner, "--from-file", str(source), "--max-record-bytes", "1KiB", "--failed-file", "left.ndjson")
    # THEN the others are delivered, the put fails naming the file, which holds the big record and its reason
    assert isinstance(result.exception, DeliveryIncompleteError)
    assert "left.ndjson" in str(result.exception)
    assert "1 of 4 records not delivered" in str(result.exception)
    assert payloads(kinesis) == Counter([lines[0], lines[2], lines[3]])
    assert (tmp_path / "left.ndjson").read_bytes() == big + b"\n"
    reason = json.loads((tmp_path / "left.reasons.jsonl").read_text())
    assert reason["record"] == 2 and "exceeds the 1024-byte limit" in reason["reason"]
    assert "exceeds" in result.stdout
    # WHEN the undelivered file is replayed with the default limit
    replay = put(runner, "--from-file", "left.ndjson")
    # THEN the record arrives: nothing lost, nothing twice
    assert replay.exit_code == 0, replay.output
    assert payloads(kinesis) == Counter(lines)


def test_put_records_still_failing_after_every_attempt_go_to_the_undelivered_file(
    runner: CliRunner, kinesis: Any, tmp_path: Path
) -> None:
    # GIVEN the first 6 entries put failing, and 2 attempts per record (so user u0's first record is given up)
    moto_ext.kinesis_faults(ACCOUNT, REGION).fail_entries(STREAM, every=1, times=6)
    lines = [json.dumps({"user": f"u{i % 5}", "n": i}).encode() for i in range(30)]
    source = ndjson(tmp_path, lines)
    # WHEN they are put keyed by user
    result = put(runner, "--from-file", str(source), "-k", "user", "--max-attempts", "2", "--json")
    # THEN nothing is lost: delivered + undelivered is the input exactly once, and the file is named
    assert isinstance(result.exception, DeliveryIncompleteError)
    summary = json.loads(result.stdout)
    written = Path(summary["undelivered_file"]).read_bytes().splitlines()
    assert summary["records"]["failed"] == len(written) == 6  # u0's six records
    assert summary["records"]["sent"] == 24
    assert payloads(kinesis) + Counter(written) == Counter(lines)
    # AND a user's records after one given up are held back, so replaying the file keeps each user's order
    delivered = {json.loads(d)["n"] for d in payloads(kinesis)}
    for user in {json.loads(line)["user"] for line in written}:
        first_lost = min(json.loads(x)["n"] for x in written if json.loads(x)["user"] == user)
        assert not any(n > first_lost and n % 5 == first_lost % 5 for n in delivered)
    reasons = Path(summary["reasons_file"]).read_text().splitlines()
    assert len(reasons) == len(written)
    assert any("ProvisionedThroughputExceeded" in r for r in reasons)


def test_put_reads_stdin(runner: CliRunner, kinesis: Any) -> None:
    # GIVEN NDJSON on stdin, with a blank line, CRLF endings and a record that is not JSON
    stdin = b'{"id": 1}\r\n\n{"id": 2}\nnot json at all\n'
    # WHEN it is put from -
    result = put(runner, "--from-file", "-", "--json", stdin=stdin)
    # THEN each non-blank line is one record, its bytes as they were, and the blank line is counted
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"]["sent"] == 3
    assert json.loads(result.stdout)["records"]["blank_lines_skipped"] == 1
    assert payloads(kinesis) == Counter([b'{"id": 1}', b'{"id": 2}', b"not json at all"])


def test_put_says_how_many_blank_lines_it_skipped(runner: CliRunner, kinesis: Any) -> None:
    # GIVEN 3 records among blank and whitespace-only lines (they were skipped without a word: "3 of 16")
    stdin = b'{"id": 1}\n\n   \n\t\n{"id": 2}\n\r\n{"id": 3}\n'
    # WHEN they are put
    result = put(runner, "--from-file", "-", stdin=stdin)
    # THEN the summary says what became of every line: 3 sent, 4 blank lines skipped
    assert result.exit_code == 0, result.output
    assert sum(payloads(kinesis).values()) == 3
    assert "skipped 4 blank lines" in result.stdout


def test_put_accounts_for_every_record_when_the_endpoint_goes_away(
    runner: CliRunner, kinesis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an endpoint that answers the first PutRecords and then refuses every connection
    from botocore.client import BaseClient
    from botocore.exceptions import EndpointConnectionError

    real, calls = BaseClient._make_api_call, []

    def going_away(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "PutRecords":
            calls.append(operation)
            if len(calls) > 1:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", going_away)
    stdin = b"".join(b'{"id": %d}\n' % i for i in range(1200))
    # WHEN 1,200 records are put from stdin (it exited 10 with no summary and no undelivered file)
    result = put(runner, "--from-file", "-", "--json", "--max-attempts", "2", stdin=stdin)
    # THEN the summary still comes, every record read is sent or in the undelivered file, and `fanout` exits 10
    assert isinstance(result.exception, EndpointUnreachableError), result.output
    assert classify(result.exception).code == ExitCode.UNREACHABLE
    summary = json.loads(result.stdout)
    records = summary["records"]
    assert records["sent"] == 500 and records["read"] == records["sent"] + records["failed"] + records["rejected"]
    assert summary["aborted"] and "connect" in summary["aborted"].lower()
    undelivered = Path(summary["undelivered_file"]).read_bytes().splitlines()
    assert len(undelivered) == records["failed"] == 700
    assert sum(payloads(kinesis).values()) == 500


def test_put_count_limits_a_file(runner: CliRunner, kinesis: Any, tmp_path: Path) -> None:
    source = ndjson(tmp_path, [b'{"id": %d}' % i for i in range(10)])
    result = put(runner, "--from-file", str(source), "--count", "4")
    assert result.exit_code == 0, result.output
    assert sum(payloads(kinesis).values()) == 4


def test_put_rate_paces_requests(runner: CliRunner, kinesis: Any) -> None:
    # GIVEN a rate of 100 records/s
    began = time.monotonic()
    # WHEN 60 records are put
    result = put(runner, "--count", "60", "--rate", "100", "--json")
    # THEN they go in small requests spread over time (60 records at 100/s: about 0.4 s at least)
    elapsed = time.monotonic() - began
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["calls"] >= 3
    assert elapsed >= 0.3
    assert summary["records_per_second"] < 250


def test_put_malformed_ratio_makes_some_records_malformed(runner: CliRunner, kinesis: Any) -> None:
    result = put(runner, "--count", "200", "--malformed-ratio", "0.5", "--seed", "3")
    assert result.exit_code == 0, result.output
    well_formed = sum(data.startswith(b'{"id":') for data in payloads(kinesis))
    assert 40 < well_formed < 160


def test_put_unknown_stream_is_a_named_error(runner: CliRunner, cloud: Cloud) -> None:
    result = runner.invoke(cli.app, ["put", "--stream", "no-such-stream", "--count", "1"])
    assert isinstance(result.exception, StreamNotFoundError)
    assert "no-such-stream" in str(result.exception)


def test_put_bad_limits_and_options_are_usage_errors(runner: CliRunner, kinesis: Any, tmp_path: Path) -> None:
    assert put(runner, "--max-request-bytes", "lots").exit_code == 2
    assert put(runner, "--from-file", str(tmp_path / "missing.ndjson")).exit_code == 2
    source = ndjson(tmp_path, [b"{}"])
    assert put(runner, "--from-file", str(source), "--malformed-ratio", "0.1").exit_code == 2
    result = put(runner, "--max-record-bytes", "6MiB")
    assert "may not exceed a request" in str(result.exception)


def test_put_main_exit_code_and_one_line_error(
    runner: CliRunner, kinesis: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a record that is too large
    source = ndjson(tmp_path, [b'{"blob": "%s"}' % (b"y" * 300)])
    # WHEN `fanout` runs the put
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["put", "--stream", STREAM, "--from-file", str(source), "--max-record-bytes", "100"])
    # THEN it exits non-zero with one line naming the undelivered file
    assert exit_info.value.code not in (0, None)
    err = capsys.readouterr().err
    assert "DeliveryIncompleteError" in err and "fanout-undelivered-" in err
    assert len(list(tmp_path.glob("fanout-undelivered-*.ndjson"))) == 1


def test_put_resolves_the_input_stream_from_the_stack(
    runner: CliRunner, deployment: LocalDeployment, cloud: Cloud
) -> None:
    # GIVEN the template deployed as stack `fanout`
    # WHEN records are put without --stream
    result = runner.invoke(cli.app, ["put", "--stack", "fanout", "--count", "25", "--json"])
    # THEN they went to the stack's input stream
    assert result.exit_code == 0, result.output
    stream = deployment.outputs["TransactionsStreamName"]
    assert json.loads(result.stdout)["stream"] == stream
    assert sum(len(r) for r in read_back(cloud.client("kinesis"), stream).values()) == 25


@pytest.mark.parametrize(
    "stop",
    [KeyboardInterrupt(), ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutRecords")],
    ids=["ctrl-c", "access-denied"],
)
def test_put_stopped_midway_writes_what_was_read_but_not_delivered(
    runner: CliRunner, kinesis: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: BaseException
) -> None:
    # GIVEN the third PutRecords request interrupted (Ctrl-C) or denied
    original = sender._send
    calls = []

    def send(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise stop
        return original(*args)

    monkeypatch.setattr(sender, "_send", send)
    lines = [b'{"id": %d}' % i for i in range(100)]
    # WHEN 100 records are put 10 per request
    result = put(runner, "--from-file", str(ndjson(tmp_path, lines)), "--max-records-per-request", "10")
    # THEN 20 arrived, and every record read but not delivered is in the undelivered file
    delivered = payloads(kinesis)
    assert sum(delivered.values()) == 20
    (written,) = [p for p in tmp_path.glob("fanout-undelivered-*.ndjson") if ".reasons" not in p.name]
    left = written.read_bytes().splitlines()
    assert delivered + Counter(left) == Counter(lines[: 20 + len(left)])
    if isinstance(stop, KeyboardInterrupt):
        assert result.exit_code == 130
    else:
        assert result.exception is stop
