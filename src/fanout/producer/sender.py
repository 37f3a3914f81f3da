"""Send records with PutRecords: batches within the limits, retries of only the failed entries.

Failed entries are retried with exponential backoff and full jitter; what still fails after the last attempt
is returned, never dropped.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from fanout.producer.batching import Limits, next_batch, oversized
from fanout.producer.records import Entry

RETRYABLE_CALL_ERRORS = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "LimitExceededException", "InternalFailure"}
)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter."""

    max_attempts: int = 8
    base_seconds: float = 0.05
    max_seconds: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The pause before retry number `attempt` (1-based)."""
        return float(rng.uniform(0, min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))))


@dataclass
class PutReport:
    """What a put did: every input record is sent, rejected or failed."""

    sent: int = 0
    retried: int = 0
    calls: int = 0
    records_per_call: list[int] = field(default_factory=list)
    rejected: list[tuple[Entry, str]] = field(default_factory=list)
    failed: list[tuple[Entry, str]] = field(default_factory=list)
    sequence_numbers: dict[int, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every record was delivered."""
        return not self.rejected and not self.failed


def put_records(
    kinesis: Any,
    stream_name: str,
    entries: Iterable[Entry],
    *,
    limits: Limits | None = None,
    retry: RetryPolicy | None = None,
    on_sent: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> PutReport:
    """Put every entry, retrying only failed entries; returns the report (never raises for a failed record)."""
    limits = limits or Limits()
    retry = retry or RetryPolicy()
    rng = rng or random.Random()
    report = PutReport()
    pending = list(entries)
    too_big = {e.index for e in oversized(pending, limits)}
    report.rejected = [
        (e, f"record of {limits.record_size(e)} bytes exceeds the {limits.max_record_bytes}-byte limit")
        for e in pending
        if e.index in too_big
    ]
    pending = [e for e in pending if e.index not in too_big]
    attempts: dict[int, int] = {}
    last_error: dict[int, str] = {}
    while pending:
        batch, pending = next_batch(pending, limits)
        failed = _send(kinesis, stream_name, batch, report, last_error)
        if on_sent:
            on_sent(len(batch) - len(failed))
        if not failed:
            continue
        report.retried += len(failed)
        exhausted = []
        for entry in failed:
            attempts[entry.index] = attempts.get(entry.index, 0) + 1
            if attempts[entry.index] >= retry.max_attempts:
                exhausted.append(entry)
        report.failed.extend((e, last_error.get(e.index, "unknown error")) for e in exhausted)
        gone = {e.index for e in exhausted}
        pending = sorted([e for e in failed if e.index not in gone] + pending, key=lambda e: e.index)
        sleep(retry.delay(max(attempts[e.index] for e in failed), rng))
    return report


def _send(kinesis: Any, stream_name: str, batch: list[Entry], report: PutReport, errors: dict[int, str]) -> list[Entry]:
    """One PutRecords call; returns the entries that failed."""
    report.calls += 1
    report.records_per_call.append(len(batch))
    try:
        response = kinesis.put_records(
            StreamName=stream_name, Records=[{"Data": e.data, "PartitionKey": e.partition_key} for e in batch]
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code not in RETRYABLE_CALL_ERRORS:
            raise
        for entry in batch:
            errors[entry.index] = code
        return list(batch)
    failed = []
    for entry, result in zip(batch, response["Records"], strict=True):
        if "ErrorCode" in result:
            errors[entry.index] = f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}"
            failed.append(entry)
        else:
            report.sent += 1
            report.sequence_numbers[entry.index] = result["SequenceNumber"]
    return failed
