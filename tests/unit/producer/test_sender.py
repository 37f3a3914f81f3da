"""put_records on a fake client: only failed entries retried, order per key, held back, interrupt, abort, window."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fanout.producer import Entry, Limits, ProduceSettings, RetryPolicy, next_batch, produce, put_records
from fanout.producer.exceptions import InvalidLimitsError

FAST = RetryPolicy(max_attempts=4, base_seconds=0.001, max_seconds=0.002)


class FakeKinesis:
    """Accepts PutRecords; `fail(call, position)` decides which entries of which call fail."""

    def __init__(self, fail: Callable[[int, int, dict[str, Any]], bool] = lambda *_: False) -> None:
        self.fail = fail
        self.requests: list[list[dict[str, Any]]] = []
        self.written: list[dict[str, Any]] = []
        self.raise_on: dict[int, BaseException] = {}
        self.streams: list[dict[str, str]] = []

    def put_records(self, Records: list[dict[str, Any]], **stream: str) -> dict[str, Any]:
        self.streams.append(stream)
        call = len(self.requests)
        self.requests.append(Records)
        if call in self.raise_on:
            raise self.raise_on[call]
        results = []
        for position, record in enumerate(Records):
            if self.fail(call, position, record):
                results.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"})
            else:
                self.written.append(record)
                results.append({"SequenceNumber": str(len(self.written)), "ShardId": "shardId-0"})
        return {"FailedRecordCount": sum("ErrorCode" in r for r in results), "Records": results}


def entries(count: int, keys: int) -> list[Entry]:
    return [Entry(i, b"%d" % i, f"k{i % keys}") for i in range(count)]


def put(fake: FakeKinesis, items: Any, **kw: Any) -> Any:
    return put_records(fake, "s", items, retry=kw.pop("retry", FAST), sleep=lambda _: None, rng=random.Random(1), **kw)


def test_next_batch_takes_one_record_per_key_in_order() -> None:
    batch, rest = next_batch(entries(6, 2), Limits())
    assert [e.index for e in batch] == [0, 1]
    assert [e.index for e in rest] == [2, 3, 4, 5]


def test_put_records_respects_record_and_byte_limits_per_request() -> None:
    # GIVEN 1000 records of 10 bytes (+ a 4-byte key) and limits of 300 records and 1000 bytes per request
    items = [Entry(i, b"x" * 10, f"{i:04d}") for i in range(1000)]
    fake = FakeKinesis()
    # WHEN put
    report = put(fake, items, limits=Limits(max_records=300, max_request_bytes=1000, max_record_bytes=100))
    # THEN no request broke a limit and all were sent
    assert report.complete and report.sent == 1000
    assert all(len(r) <= 71 for r in fake.requests)  # 1000 // 14 bytes
    assert max(report.records_per_call) == 71


def test_put_records_retries_only_failed_entries_and_keeps_order_per_key() -> None:
    # GIVEN a fake failing about a third of the entries of the first 20 calls
    rng = random.Random(5)
    fake = FakeKinesis(lambda call, _pos, _rec: call < 20 and rng.random() < 0.35)
    # WHEN 600 records of 7 keys are put
    report = put(fake, entries(600, 7), retry=RetryPolicy(max_attempts=30, base_seconds=0.0))
    # THEN each record was written once, retries resent only failed entries, and each key's order held
    assert report.complete and report.sent == 600
    assert sorted(int(r["Data"]) for r in fake.written) == list(range(600))
    assert report.retried == sum(len(r) for r in fake.requests) - 600
    per_key: dict[str, list[int]] = defaultdict(list)
    for record in fake.written:
        per_key[record["PartitionKey"]].append(int(record["Data"]))
    assert all(seq == sorted(seq) for seq in per_key.values())


def test_put_records_holds_back_a_keys_later_records_when_one_is_given_up() -> None:
    # GIVEN record 0 (key k0) always failing
    fake = FakeKinesis(lambda _call, _pos, rec: rec["Data"] == b"0")
    # WHEN 9 records of 3 keys are put
    report = put(fake, entries(9, 3))
    # THEN k0's records are all undelivered (0 failed, 3 and 6 held back), the others delivered
    assert sorted(int(r["Data"]) for r in fake.written) == [1, 2, 4, 5, 7, 8]
    assert [(e.index, "held back" in why) for e, why in report.undelivered] == [(0, False), (3, True), (6, True)]
    assert not report.complete


def test_put_records_without_key_order_packs_one_keys_records_together_and_names_a_stream_by_arn() -> None:
    # GIVEN 6 records of one key (the router's outputs share the input's keys), the entry at position 1 failing once
    fake = FakeKinesis(lambda call, pos, _rec: call == 0 and pos == 1)
    arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/positive"
    # WHEN put to a stream ARN without key order
    report = put_records(fake, arn, entries(6, 1), retry=RetryPolicy(base_seconds=0.0), key_order=False)
    # THEN one request took all six, the retry resent only the failed one, and the stream went as StreamARN
    assert report.complete and report.calls == 2 and report.retried == 1
    assert [len(r) for r in fake.requests] == [6, 1]
    assert fake.streams == [{"StreamARN": arn}] * 2
    # and a stream name still goes as StreamName
    put_records(fake, "positive", entries(1, 1))
    assert fake.streams[-1] == {"StreamName": "positive"}


def test_put_records_reports_oversized_and_problem_entries_without_failing_the_batch() -> None:
    items = [
        Entry(0, b"ok", "a"),
        Entry(1, b"x" * 50, "b"),
        Entry(2, b"bad", "c", "not serialisable"),
        Entry(3, b"ok", "d"),
    ]
    fake = FakeKinesis()
    report = put(fake, items, limits=Limits(max_records=10, max_request_bytes=100, max_record_bytes=20))
    assert report.sent == 2 and len(fake.requests) == 1
    assert [(e.index, why.split(" ")[0]) for e, why in report.rejected] == [(1, "record"), (2, "not")]


def test_put_records_reads_the_input_lazily() -> None:
    # GIVEN an endless input
    pulled = 0

    def endless() -> Iterator[Entry]:
        nonlocal pulled
        while True:
            pulled += 1
            yield Entry(pulled, b"x", f"k{pulled}")

    fake = FakeKinesis()
    fake.raise_on[3] = KeyboardInterrupt()
    # WHEN it is put until Ctrl-C during the 4th request
    report = put(fake, endless(), limits=Limits(max_records=10))
    # THEN only a bounded window was read, and what was read but not confirmed is reported, not lost
    assert report.interrupted
    assert pulled <= 3 * 10 + 4 * 10 + 1
    assert report.sent == 30
    assert report.sent + len(report.failed) == report.read
    assert any("in flight" in why for _, why in report.failed)


def test_put_records_stops_on_an_error_not_worth_retrying() -> None:
    # GIVEN access denied on the second request
    fake = FakeKinesis()
    fake.raise_on[1] = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutRecords")
    # WHEN 25 records are put 10 per request
    report = put(fake, entries(25, 25), limits=Limits(max_records=10))
    # THEN the error is kept and every record read but not sent is reported
    assert report.abort_error is fake.raise_on[1]
    assert report.sent == 10
    assert report.sent + len(report.failed) == report.read
    assert "AccessDeniedException" in report.failed[0][1]


def test_put_records_retries_a_throttled_call_as_a_whole() -> None:
    fake = FakeKinesis()
    fake.raise_on[0] = ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "PutRecords")
    report = put(fake, entries(5, 5))
    assert report.complete and report.retried == 5 and len(fake.requests) == 2


@pytest.mark.parametrize(
    ("limits", "message"),
    [({"max_records": 0}, "positive"), ({"max_record_bytes": 10, "max_request_bytes": 5}, "may not exceed")],
)
def test_limits_that_cannot_work_are_named_errors(limits: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidLimitsError, match=message):
        Limits(**limits)


def test_produce_goes_ahead_when_the_identity_may_not_describe_the_stream() -> None:
    # GIVEN a put-only identity: DescribeStreamSummary is denied
    fake = FakeKinesis()
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeStreamSummary")

    def describe_stream_summary(**_: Any) -> None:
        raise denied

    fake.describe_stream_summary = describe_stream_summary  # type: ignore[attr-defined]
    # WHEN records are produced
    result = produce(fake, "s", enumerate([{"id": 1}, "two", b"3"]), ProduceSettings(partition_key="id"))
    # THEN they are put all the same, objects as JSON and strings as UTF-8
    assert result.report.complete
    assert [r["Data"] for r in fake.written] == [b'{"id":1}', b"two", b"3"]
    assert fake.written[0]["PartitionKey"] == "1"
    assert result.to_dict()["records"]["sent"] == 3
