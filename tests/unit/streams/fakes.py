"""A fake Kinesis client for the shard reader's tests: paged ListShards, reshards, arrival times, faults.

A record's sequence number is its index in its shard; an iterator is ``"<shard>@<index>"``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def client_error(code: str, operation: str = "GetRecords") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)


class FakeKinesis:
    """Shards in creation order; `closed` shards end once read; faults (`throttle`, `expire`, `fail`) by shard.

    Also the fake clock (`clock`, `sleep`) the reader is driven with.
    """

    def __init__(self, stream: str = "s", page_size: int = 100) -> None:
        self.stream = stream
        self.page_size = page_size
        self.records: dict[str, list[tuple[datetime, bytes]]] = {}
        self.parents: dict[str, tuple[str, ...]] = {}
        self.closed: set[str] = set()
        self.throttle: dict[str, int] = defaultdict(int)
        self.expire: dict[str, int] = defaultdict(int)
        self.fail: dict[str, int] = defaultdict(int)
        self.now = 0.0
        self.slept: list[float] = []
        self.read_times: dict[str, list[float]] = defaultdict(list)
        self.list_calls: list[dict[str, Any]] = []
        self.iterator_requests: list[tuple[str, dict[str, Any]]] = []
        self.reads: list[str] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def shard(self, shard_id: str, *data: bytes, parents: tuple[str, ...] = (), closed: bool = False) -> FakeKinesis:
        """Add a shard with records arriving one second apart from T0."""
        self.records[shard_id] = [(T0 + timedelta(seconds=i), d) for i, d in enumerate(data)]
        self.parents[shard_id] = parents
        if closed:
            self.closed.add(shard_id)
        return self

    def list_shards(self, **kwargs: Any) -> dict[str, Any]:
        self.list_calls.append(kwargs)
        if "NextToken" not in kwargs and kwargs.get("StreamName") != self.stream:
            raise client_error("ResourceNotFoundException", "ListShards")
        start = int(kwargs.get("NextToken", 0))
        ids = list(self.records)
        page: dict[str, Any] = {"Shards": [self._describe(i) for i in ids[start : start + self.page_size]]}
        if start + self.page_size < len(ids):
            page["NextToken"] = str(start + self.page_size)
        return page

    def _describe(self, shard_id: str) -> dict[str, Any]:
        shard: dict[str, Any] = {"ShardId": shard_id, "SequenceNumberRange": {"StartingSequenceNumber": "0"}}
        for key, parent in zip(("ParentShardId", "AdjacentParentShardId"), self.parents[shard_id], strict=False):
            shard[key] = parent
        if shard_id in self.closed:
            shard["SequenceNumberRange"]["EndingSequenceNumber"] = "99"
        return shard

    def get_shard_iterator(self, StreamName: str, ShardId: str, ShardIteratorType: str, **kw: Any) -> dict[str, Any]:
        self.iterator_requests.append((ShardId, {"ShardIteratorType": ShardIteratorType, **kw}))
        records = self.records[ShardId]
        if ShardIteratorType == "LATEST":
            position = len(records)
        elif ShardIteratorType == "AFTER_SEQUENCE_NUMBER":
            position = int(kw["StartingSequenceNumber"]) + 1
        elif ShardIteratorType == "AT_TIMESTAMP":
            position = next((i for i, (at, _) in enumerate(records) if at >= kw["Timestamp"]), len(records))
        else:
            position = 0
        return {"ShardIterator": f"{ShardId}@{position}"}

    def get_records(self, ShardIterator: str, Limit: int | None = None) -> dict[str, Any]:
        shard_id, start = ShardIterator.split("@")
        self.reads.append(shard_id)
        self.read_times[shard_id].append(self.now)
        for faults, code in ((self.throttle, "ProvisionedThroughputExceededException"),
                             (self.expire, "ExpiredIteratorException"), (self.fail, "InternalFailure")):  # fmt: skip
            if faults[shard_id]:
                faults[shard_id] -= 1
                raise client_error(code)
        records = self.records[shard_id]
        position = int(start)
        end = len(records) if Limit is None else min(len(records), position + Limit)
        batch = [
            {"SequenceNumber": str(i), "PartitionKey": "k", "ApproximateArrivalTimestamp": at, "Data": data}
            for i, (at, data) in enumerate(records[position:end], start=position)
        ]
        at_end = end == len(records)
        following = None if at_end and shard_id in self.closed else f"{shard_id}@{end}"
        return {"Records": batch, "NextShardIterator": following, "MillisBehindLatest": 0 if at_end else 1000}
