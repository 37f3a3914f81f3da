"""A whole put, as `fanout put` runs it: check the stream, pace, send, time it, summarise."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fanout.producer.batching import Limits, MiB
from fanout.producer.pacing import Pacer
from fanout.producer.sender import PutReport, RetryPolicy, put_records
from fanout.producer.sources import to_entries
from fanout.streams.names import require_stream

LISTED_UNDELIVERED = 20
"""Undelivered records listed one by one in a summary (all of them are in the undelivered file)."""


@dataclass(frozen=True)
class ProduceSettings:
    """How to put: partition key field, target rate (records/s, None for as fast as possible), limits, retries."""

    partition_key: str | None = None
    rate: float | None = None
    limits: Limits = field(default_factory=Limits)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class ProduceResult:
    """The report of a put, with its stream and duration."""

    stream: str
    report: PutReport
    seconds: float
    blank_lines: int = 0  # blank input lines skipped (no records), counted by the NDJSON reader

    @property
    def records_per_second(self) -> float:
        """Delivered records per second of the whole put."""
        return self.report.sent / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self, files: tuple[Path, Path] | None = None) -> dict[str, Any]:
        """The summary for machines (``fanout put --json``)."""
        r = self.report
        undelivered = r.undelivered
        return {
            "stream": self.stream,
            "ok": r.complete,
            "records": {
                "read": r.read,
                "sent": r.sent,
                "retried": r.retried,
                "failed": len(r.failed),
                "rejected": len(r.rejected),
                "blank_lines_skipped": self.blank_lines,
            },
            "calls": r.calls,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_per_second, 1),
            "mib_per_second": round(r.bytes_sent / MiB / self.seconds, 3) if self.seconds > 0 else 0.0,
            "interrupted": r.interrupted,
            "aborted": str(r.abort_error) if r.abort_error else None,
            "undelivered": [
                {"record": e.index + 1, "partition_key": e.partition_key, "bytes": len(e.data), "reason": reason}
                for e, reason in undelivered[:LISTED_UNDELIVERED]
            ],
            "undelivered_file": str(files[0]) if files else None,
            "reasons_file": str(files[1]) if files else None,
        }


def produce(
    kinesis: Any,
    stream_name: str,
    records: Iterable[tuple[int, Any]],
    settings: ProduceSettings | None = None,
    *,
    on_progress: Callable[[PutReport], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ProduceResult:
    """Put numbered `records` (bytes, str or JSON-serialisable objects) to `stream_name`.

    Raises StreamNotFoundError before sending anything if the stream does not exist; every other problem is
    in the result's report.

    Example::

        result = produce(boto3.client("kinesis"), "fanout-transactions", enumerate(fake_transactions(100)))
        print(result.to_dict()["records"])
    """
    settings = settings or ProduceSettings()
    require_stream(kinesis, stream_name)
    pacer = Pacer(settings.rate, clock=clock, sleep=sleep)
    limits = replace(settings.limits, max_records=pacer.batch_size(settings.limits.max_records))
    started = clock()
    report = put_records(
        kinesis,
        stream_name,
        to_entries(records, settings.partition_key),
        limits=limits,
        retry=settings.retry,
        pacer=pacer,
        on_progress=on_progress,
        sleep=sleep,
    )
    return ProduceResult(stream_name, report, clock() - started)
