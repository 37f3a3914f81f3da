"""Sample records from every shard of a Kinesis stream, from the oldest available (TRIM_HORIZON).

As the legacy DiscoverInputSchema did: each shard contributes its share of the samples, and the number
of GetRecords calls is bounded, so sampling a large or idle stream ends quickly. The reads are the shard
reader's (fanout.streams.ShardReader), so a throttled shard backs off and is read again.

Example:
    >>> sample = sample_stream(boto3.client("kinesis"), "transactions", samples=100)
    >>> len(sample.records), sample.shards
    (100, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from fanout.discover.exceptions import StreamNotFoundError
from fanout.streams.exceptions import StreamNotFoundError as NoSuchStreamError
from fanout.streams.position import StartPosition
from fanout.streams.reader import ShardReader

MAX_CALLS_PER_SHARD = 10
GET_RECORDS_LIMIT = 10_000


@dataclass
class StreamSample:
    """The sampled records' bytes, how many shards were read, and the records per shard."""

    stream: str
    records: list[bytes] = field(default_factory=list)
    per_shard: dict[str, int] = field(default_factory=dict)

    @property
    def shards(self) -> int:
        """Shards read."""
        return len(self.per_shard)


def sample_stream(
    kinesis: Any, stream: str, samples: int = 100, max_calls_per_shard: int = MAX_CALLS_PER_SHARD
) -> StreamSample:
    """Read up to ``samples`` records, spread over every shard, oldest first; raise StreamNotFoundError."""
    # Every shard is sampled on its own, in list order: a closed parent does not open its children here.
    reader = ShardReader(kinesis, stream, StartPosition("TRIM_HORIZON"), poll_seconds=0, follow_children=False)
    try:
        shards = [shard["ShardId"] for shard in reader.list_shards()]
    except NoSuchStreamError as exc:
        raise StreamNotFoundError(f"stream {stream!r} not found in this account and region") from exc
    result = StreamSample(stream)
    quota = math.ceil(samples / len(shards)) if shards else 0
    for shard in shards:
        wanted = min(quota, samples - len(result.records))
        records = _read_shard(reader, shard, wanted, max_calls_per_shard) if wanted > 0 else []
        result.per_shard[shard] = len(records)
        result.records.extend(records)
    return result


def _read_shard(reader: ShardReader, shard: str, wanted: int, max_calls: int) -> list[bytes]:
    """At most `max_calls` GetRecords from the shard's TRIM_HORIZON, until `wanted` records, its end or its tip."""
    reader.open(shard)
    records: list[bytes] = []
    for _ in range(max_calls):
        if len(records) >= wanted:
            break
        batch = reader.read(shard, limit=min(GET_RECORDS_LIMIT, wanted - len(records)))
        records += [record["Data"] for record in batch.records]
        if batch.ended or (not batch.records and batch.caught_up):
            break  # read to the end of a closed shard, or caught up with the tip of an open one
    return records[:wanted]
