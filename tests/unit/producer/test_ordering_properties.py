"""Per-partition-key order and accounting of the sender, as properties over random inputs (no network)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fanout.producer import Entry, Limits, put_records
from fanout.producer.sender import RetryPolicy

LIMITS = Limits(max_records=5, max_request_bytes=1000, max_record_bytes=400)


class FlakyKinesis:
    """PutRecords that fails the entries the drawn pattern says (a partial failure), and logs deliveries."""

    def __init__(self, failures: list[bool]) -> None:
        self.failures = failures
        self.calls = 0
        self.delivered: list[tuple[str, int]] = []

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        assert sum(len(r["Data"]) + len(r["PartitionKey"]) for r in Records) <= LIMITS.max_request_bytes
        assert len({r["PartitionKey"] for r in Records}) == len(Records), "a key twice in one request"
        results = []
        for record in Records:
            fail = self.failures[self.calls % len(self.failures)] if self.failures else False
            self.calls += 1
            if fail:
                results.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"})
            else:
                results.append({"SequenceNumber": str(self.calls), "ShardId": "shardId-0"})
                self.delivered.append((record["PartitionKey"], int(record["Data"].split(b":")[0])))
        return {"FailedRecordCount": sum("ErrorCode" in r for r in results), "Records": results}


_records = st.lists(st.tuples(st.sampled_from("abc"), st.integers(min_value=1, max_value=390)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(records=_records, failures=st.lists(st.booleans(), max_size=12), attempts=st.integers(1, 4))
def test_order_per_key_holds_and_every_record_is_accounted_for(
    records: list[tuple[str, int]], failures: list[bool], attempts: int
) -> None:
    # GIVEN records of a few keys with sizes near the request limit, and partial failures in any pattern
    entries = [
        Entry(i, f"{i}:".encode().ljust(size, b"x"), key) for i, (key, size) in enumerate(records)
    ]  # fmt: skip
    kinesis = FlakyKinesis(failures)
    # WHEN they are put with a few attempts each
    report = put_records(
        kinesis, "s", entries, limits=LIMITS, retry=RetryPolicy(max_attempts=attempts), sleep=lambda _: None
    )
    # THEN per key, the records delivered came in input order, with no record delivered after one that failed
    for key in "abc":
        delivered = [index for k, index in kinesis.delivered if k == key]
        assert delivered == sorted(delivered), (key, delivered)
        given_up = [e.index for e, _ in report.failed if e.partition_key == key]
        if given_up:
            assert all(index < min(given_up) for index in delivered), (key, delivered, given_up)
    # AND every record read is sent exactly once or reported undelivered
    assert report.read == len(entries) == report.sent + len(report.failed) + len(report.rejected)
    assert sorted(index for _, index in kinesis.delivered) == sorted(set(index for _, index in kinesis.delivered))
