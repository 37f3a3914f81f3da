"""Discover a stream's schema: sample records from every shard and infer Flink SQL columns.

``discover(kinesis, "transactions", samples=100)`` reads from TRIM_HORIZON (bounded GetRecords calls)
and returns a DiscoveredSchema whose ``column_list()``, ``create_table()`` and ``projections()`` are
ready to paste into a route script. Nothing is guessed silently: see ``fanout.discover.infer``.

Example:
    >>> schema = discover(boto3.client("kinesis"), "transactions", samples=200)
    >>> print(schema.column_list())
    id INT,
    username STRING,
    amount DECIMAL(5, 2)
"""

from __future__ import annotations

from typing import Any

from fanout.discover.exceptions import DiscoveryError, EmptyStreamError, NotJsonError, StreamNotFoundError
from fanout.discover.infer import DiscoveredSchema, infer_schema
from fanout.discover.sampling import StreamSample, sample_stream

__all__ = [
    "DiscoveredSchema",
    "DiscoveryError",
    "EmptyStreamError",
    "NotJsonError",
    "StreamNotFoundError",
    "StreamSample",
    "discover",
    "infer_schema",
    "sample_stream",
]


def discover(kinesis: Any, stream: str, samples: int = 100) -> tuple[StreamSample, DiscoveredSchema]:
    """Sample ``stream`` with the Kinesis client ``kinesis`` and infer its schema.

    Raises EmptyStreamError when no shard holds a record, NotJsonError when no record is a JSON object.
    """
    sample = sample_stream(kinesis, stream, samples)
    if not sample.records:
        raise EmptyStreamError(
            f"stream {stream!r} has no records in its {sample.shards} shards (from TRIM_HORIZON): "
            "put some records first, or check that producers write to it"
        )
    return sample, infer_schema(sample.records)
