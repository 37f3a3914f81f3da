"""The producer: fake or given records, put with PutRecords within limits, retrying only what failed."""

from __future__ import annotations

from fanout.producer.batching import Limits, next_batch
from fanout.producer.pacing import Pacer
from fanout.producer.produce import ProduceResult, ProduceSettings, produce
from fanout.producer.records import Entry, fake_transactions, labelled_transactions, partition_key_for
from fanout.producer.sender import PutReport, RetryPolicy, put_records
from fanout.producer.sources import NdjsonLines, encode, ndjson_records, to_entries
from fanout.producer.undelivered import default_path, write_undelivered

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
