"""Sample records from every shard of a Kinesis stream, from the oldest available (TRIM_HORIZON).

As the legacy DiscoverInputSchema did: each shard contributes its share of the samples, and the number
of GetRecords calls is bounded, so sampling a large or idle stream ends quickly.

Example:
    >>> sample = sample_stream(boto3.client("kinesis"), "transactions", samples=100)
    >>> len(sample.records), sample.shards
    (100, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.discover.exceptions import StreamNotFoundError

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
    try:
        shards = _shards(kinesis, stream)
    except ClientError as exc:
        if aws_errors.error_code(exc) == "ResourceNotFoundException":
            raise StreamNotFoundError(f"stream {stream!r} not found in this account and region") from exc
        raise
    result = StreamSample(stream)
    quota = math.ceil(samples / len(shards)) if shards else 0
    for shard in shards:
        wanted = min(quota, samples - len(result.records))
        records = _read_shard(kinesis, stream, shard, wanted, max_calls_per_shard) if wanted > 0 else []
        result.per_shard[shard] = len(records)
        result.records.extend(records)
    return result


def _shards(kinesis: Any, stream: str) -> list[str]:
    shards: list[str] = []
    kwargs: dict[str, Any] = {"StreamName": stream}
    while True:
        page = kinesis.list_shards(**kwargs)
        shards += [shard["ShardId"] for shard in page["Shards"]]
        if not page.get("NextToken"):
            return shards
        kwargs = {"NextToken": page["NextToken"]}


def _read_shard(kinesis: Any, stream: str, shard: str, wanted: int, max_calls: int) -> list[bytes]:
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    records: list[bytes] = []
    for _ in range(max_calls):
        if iterator is None or len(records) >= wanted:
            break
        page = kinesis.get_records(ShardIterator=iterator, Limit=min(GET_RECORDS_LIMIT, wanted - len(records)))
        records += [record["Data"] for record in page["Records"]]
        iterator = page.get("NextShardIterator")
        if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
            break  # caught up with the tip of the shard
    return records[:wanted]
