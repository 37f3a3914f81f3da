"""Consumers of the output streams: decode, check the route's contract, summarise each batch."""

from __future__ import annotations

from fanout.consumer.records import BatchSummary, Route, check_record, rejection_reason

__all__ = ["BatchSummary", "Route", "check_record", "rejection_reason"]
