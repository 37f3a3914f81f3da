"""The reader behind `fanout tail`, on a fake Kinesis client: reshards, the 5 reads/s limit, throttling, expiry.

moto never closes a shard's iterator after a reshard, so these paths are driven by a small fake with a fake clock.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from fanout.streams import StartPosition, tail


class FakeKinesis:
    """Shards with records; `closed` shards end (NextShardIterator None) once read; faults by shard."""

    def __init__(self, shards: dict[str, list[bytes]], parents: dict[str, str] | None = None, closed: tuple = ()):
        self.records = shards
        self.parents = parents or {}
        self.closed = set(closed)
        self.throttle: dict[str, int] = defaultdict(int)
        self.expire: dict[str, int] = defaultdict(int)
        self.now = 0.0
        self.calls: dict[str, list[float]] = defaultdict(list)
        self.iterator_requests: list[tuple[str, dict[str, Any]]] = []
        self.order: list[str] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def list_shards(self, **_: Any) -> dict[str, Any]:
        shards = []
        for shard_id in self.records:
            shard: dict[str, Any] = {"ShardId": shard_id, "SequenceNumberRange": {"StartingSequenceNumber": "0"}}
            if shard_id in self.parents:
                shard["ParentShardId"] = self.parents[shard_id]
            if shard_id in self.closed:
                shard["SequenceNumberRange"]["EndingSequenceNumber"] = "99"
            shards.append(shard)
        return {"Shards": shards}

    def get_shard_iterator(self, StreamName: str, ShardId: str, ShardIteratorType: str, **kw: Any) -> dict[str, Any]:
        self.iterator_requests.append((ShardId, {"ShardIteratorType": ShardIteratorType, **kw}))
        if ShardIteratorType == "LATEST":
            position = len(self.records[ShardId])
        elif ShardIteratorType == "AFTER_SEQUENCE_NUMBER":
            position = int(kw["StartingSequenceNumber"]) + 1
        else:
            position = 0
        return {"ShardIterator": f"{ShardId}@{position}"}

    def get_records(self, ShardIterator: str, **_: Any) -> dict[str, Any]:
        shard_id, position = ShardIterator.split("@")
        self.calls[shard_id].append(self.now)
        self.order.append(shard_id)
        for fault, code in ((self.throttle, "ProvisionedThroughputExceededException"), (self.expire, "Expired")):
            if fault[shard_id]:
                fault[shard_id] -= 1
                code = code if code != "Expired" else "ExpiredIteratorException"
                raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "GetRecords")
        data = self.records[shard_id][int(position) :]
        records = [
            {
                "SequenceNumber": str(int(position) + i),
                "PartitionKey": "k",
                "ApproximateArrivalTimestamp": datetime(2026, 1, 1, tzinfo=UTC),
                "Data": d,
            }
            for i, d in enumerate(data)
        ]
        end = int(position) + len(data)
        following = None if shard_id in self.closed else f"{shard_id}@{end}"
        return {"Records": records, "NextShardIterator": following, "MillisBehindLatest": 0}


def read(fake: FakeKinesis, start: str, **kw: Any) -> list[bytes]:
    return [r.data for r in tail(fake, "s", StartPosition.parse(start), clock=fake.clock, sleep=fake.sleep, **kw)]


def test_tail_reads_a_closed_parent_before_its_children() -> None:
    # GIVEN a parent shard closed by a split into two children
    fake = FakeKinesis({"p": [b"1", b"2"], "c1": [b"3"], "c2": [b"4"]}, parents={"c1": "p", "c2": "p"}, closed=("p",))
    # WHEN read from the trim horizon
    data = read(fake, "trim-horizon", limit=4)
    # THEN the parent's records come first, then the children's, each once
    assert data[:2] == [b"1", b"2"]
    assert sorted(data[2:]) == [b"3", b"4"]
    assert fake.order[0] == "p" and {"c1", "c2"} <= set(fake.order[1:])


def test_tail_from_latest_reads_only_open_shards() -> None:
    fake = FakeKinesis({"p": [b"old"], "c": [b"x"]}, parents={"c": "p"}, closed=("p",))
    read(fake, "latest", idle_timeout=1.0)
    assert [shard for shard, _ in fake.iterator_requests] == ["c"]


def test_tail_reads_each_shard_at_most_five_times_a_second() -> None:
    # GIVEN two idle shards
    fake = FakeKinesis({"a": [], "b": []})
    # WHEN tailed for 3 idle seconds
    assert read(fake, "latest", idle_timeout=3.0) == []
    # THEN each shard was read regularly, never twice within 0.2 s
    for shard in ("a", "b"):
        times = fake.calls[shard]
        assert 10 <= len(times) <= 16
        assert all(later - earlier >= 0.2 - 1e-9 for earlier, later in itertools.pairwise(times))


def test_tail_backs_off_a_throttled_shard_and_carries_on() -> None:
    # GIVEN a shard throttled on its first 4 reads
    fake = FakeKinesis({"a": [b"r1", b"r2"]})
    fake.throttle["a"] = 4
    # WHEN read from the trim horizon
    data = read(fake, "trim-horizon", limit=2)
    # THEN the records still come, after growing pauses
    assert data == [b"r1", b"r2"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(fake.calls["a"])]
    assert len(gaps) == 4
    assert gaps[-1] > gaps[0]


def test_tail_renews_an_expired_iterator_after_the_last_record_read() -> None:
    # GIVEN a shard whose iterator expires after the first records were read
    fake = FakeKinesis({"a": [b"r0", b"r1"]})
    stream = tail(fake, "s", StartPosition("TRIM_HORIZON"), clock=fake.clock, sleep=fake.sleep, idle_timeout=2.0)
    assert next(stream).data == b"r0"
    assert next(stream).data == b"r1"
    fake.expire["a"] = 1
    fake.records["a"].append(b"r2")
    # WHEN reading goes on
    rest = [r.data for r in stream]
    # THEN the reader resumed after the last sequence number: nothing lost, nothing repeated
    assert rest == [b"r2"]
    assert fake.iterator_requests[-1] == (
        "a",
        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": "1"},
    )
