"""The producer: fake or given records, put with PutRecords within limits, retrying only what failed."""

from __future__ import annotations

from fanout.producer.batching import Limits, next_batch
from fanout.producer.records import Entry, fake_transactions, labelled_transactions, partition_key_for
from fanout.producer.sender import PutReport, RetryPolicy, put_records

__all__ = [
    "Entry",
    "Limits",
    "PutReport",
    "RetryPolicy",
    "fake_transactions",
    "labelled_transactions",
    "next_batch",
    "partition_key_for",
    "put_records",
]
