"""The producer: fake or given records, put with PutRecords within limits, retrying only what failed.

The sender (``put_records``, ``RetryPolicy``, ``Limits``, ``Entry``) needs only botocore: the router function
ships it. What makes and reads records (Faker, orjson, files) loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fanout.producer.batching import Limits, next_batch
from fanout.producer.entry import Entry
from fanout.producer.pacing import Pacer
from fanout.producer.sender import PutReport, RetryPolicy, put_records

if TYPE_CHECKING:
    from fanout.producer.production import ProduceResult, ProduceSettings, produce
    from fanout.producer.records import fake_transactions, labelled_transactions, partition_key_for
    from fanout.producer.sources import NdjsonLines, encode, ndjson_records, to_entries
    from fanout.producer.undelivered import default_path, write_undelivered

_LAZY = {
    "ProduceResult": "production",
    "ProduceSettings": "production",
    "produce": "production",
    "fake_transactions": "records",
    "labelled_transactions": "records",
    "partition_key_for": "records",
    "NdjsonLines": "sources",
    "encode": "sources",
    "ndjson_records": "sources",
    "to_entries": "sources",
    "default_path": "undelivered",
    "write_undelivered": "undelivered",
}


def __getattr__(name: str) -> Any:
    """The record makers and readers on first use (they import Faker and orjson)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"fanout.producer.{_LAZY[name]}"), name)


__all__ = [
    "Entry",
    "Limits",
    "NdjsonLines",
    "Pacer",
    "ProduceResult",
    "ProduceSettings",
    "PutReport",
    "RetryPolicy",
    "default_path",
    "encode",
    "fake_transactions",
    "labelled_transactions",
    "ndjson_records",
    "next_batch",
    "partition_key_for",
    "produce",
    "put_records",
    "to_entries",
    "write_undelivered",
]
