"""Send records with PutRecords: batches within the limits, retries of only the failed entries.

Records are pulled from the input as needed (a bounded window, so a huge file is never held in memory).
Failed entries are retried with exponential backoff and full jitter; what still fails after the last attempt
is returned, never dropped.

Order per partition key (``key_order``, the default): a request carries at most one record per key, and a
failed record goes back before every later record, so no record is sent while an earlier one with its key
awaits a retry. When a record is given up, the later records with its key are held back (reported, not sent),
so replaying the undelivered file restores their order. Records rejected for their content (too large, an
invalid key) are never sent and do not hold others back. Without ``key_order`` (the router: its outputs share
the input's few keys), a request takes any records, and a retry may land after a later record of its key, as
with Flink's at-least-once Kinesis sink.

The stream is a name or an ARN (``arn:...``), sent as ``StreamName`` or ``StreamARN``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from fanout import aws_errors
from fanout.producer.batching import Limits, next_batch
from fanout.producer.entry import Entry
from fanout.producer.exceptions import EndpointUnreachableError
from fanout.producer.pacing import Pacer

RETRYABLE_CALL_ERRORS = aws_errors.KINESIS_THROTTLED | {"ThrottlingException"} | aws_errors.SERVER_ERRORS
WINDOW_REQUESTS = 4
"""How many requests' worth of records are read ahead of the sender."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter."""

    max_attempts: int = 8
    base_seconds: float = 0.05
    max_seconds: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The pause before retry number `attempt` (1-based)."""
        return float(rng.uniform(0, min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))))


CONNECTION_LOST = "connection lost"
"""The reason of a record whose request could not reach the endpoint."""


@dataclass
class PutReport:
    """What a put did: every record read is sent, rejected (never sendable) or failed (given up)."""

    read: int = 0
    sent: int = 0
    bytes_sent: int = 0
    retried: int = 0
    calls: int = 0
    records_per_call: list[int] = field(default_factory=list)
    rejected: list[tuple[Entry, str]] = field(default_factory=list)
    failed: list[tuple[Entry, str]] = field(default_factory=list)
    interrupted: bool = False
    abort_error: ClientError | EndpointUnreachableError | None = None

    @property
    def complete(self) -> bool:
        """True when every record was delivered."""
        return not self.rejected and not self.failed and not self.interrupted and self.abort_error is None

    @property
    def undelivered(self) -> list[tuple[Entry, str]]:
        """Rejected and failed records with their reasons, in input order."""
        return sorted(self.rejected + self.failed, key=lambda pair: pair[0].index)


@dataclass
class _State:
    """The sender's moving parts between two requests."""

    source: Iterator[Entry]
    limits: Limits
    pending: list[Entry] = field(default_factory=list)
    in_flight: list[Entry] = field(default_factory=list)
    attempts: dict[int, int] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    given_up_keys: dict[str, int] = field(default_factory=dict)
    exhausted: bool = False
    key_order: bool = True

    def refill(self, report: PutReport) -> None:
        """Read records until the window is full: the unsendable are reported, the held back failed."""
        want = WINDOW_REQUESTS * self.limits.max_records
        while not self.exhausted and len(self.pending) < want:
            entry = next(self.source, None)
            if entry is None:
                self.exhausted = True
                break
            report.read += 1
            size = self.limits.record_size(entry)
            if entry.problem:
                report.rejected.append((entry, entry.problem))
            elif size > self.limits.max_record_bytes:
                reason = f"record of {size} bytes exceeds the {self.limits.max_record_bytes}-byte limit"
                report.rejected.append((entry, reason))
            elif entry.partition_key in self.given_up_keys:
                first = self.given_up_keys[entry.partition_key] + 1
                reason = f"held back to keep order: record {first} with the same partition key was not delivered"
                report.failed.append((entry, reason))
            else:
                self.pending.append(entry)


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
    pacer: Pacer | None = None,
    on_progress: Callable[[PutReport], None] | None = None,
    key_order: bool = True,
) -> PutReport:
    """Put every entry, retrying only failed entries; returns the report (never raises for a failed record).

    `entries` must come in increasing `index` order; it is read lazily. `pacer` spaces the requests to a rate.
    Ctrl-C stops the put: what was read and not confirmed is reported failed and `interrupted` is set. A call
    error that is not worth retrying (access denied, no such stream) stops it likewise, in `abort_error`.

    Example::

        report = put_records(boto3.client("kinesis"), "transactions", to_entries(enumerate([{"amount": 1}])))
        assert report.complete
    """
    limits = limits or Limits()
    retry = retry or RetryPolicy()
    rng = rng or random.Random()
    report = PutReport()
    state = _State(iter(entries), limits, key_order=key_order)
    try:
        _run(kinesis, stream_name, state, report, retry, rng, sleep, pacer, on_sent, on_progress)
    except KeyboardInterrupt:
        report.interrupted = True
        _stop(state, report, "interrupted in flight (it may also have been delivered)", "interrupted before sending")
    except ClientError as exc:
        report.abort_error = exc
        reason = _code(exc) + ": " + aws_errors.error_message(exc)
        _stop(state, report, reason, f"not sent: the put stopped at {_code(exc)}")
    except EndpointUnreachableError as exc:
        report.abort_error = exc
        _stop(state, report, f"{exc} (it may also have been delivered)", "not sent: the endpoint stopped answering")
    return report


def _run(
    kinesis: Any,
    stream_name: str,
    state: _State,
    report: PutReport,
    retry: RetryPolicy,
    rng: random.Random,
    sleep: Callable[[float], None],
    pacer: Pacer | None,
    on_sent: Callable[[int], None] | None,
    on_progress: Callable[[PutReport], None] | None,
) -> None:
    while True:
        state.refill(report)
        if not state.pending:
            return
        state.in_flight, state.pending = next_batch(state.pending, state.limits, one_per_key=state.key_order)
        if pacer:
            pacer.wait(len(state.in_flight))
        batch = state.in_flight
        failed = _send(kinesis, stream_name, batch, report, state.errors)
        lost = [e for e in failed if state.errors[e.index].startswith(CONNECTION_LOST)]
        if lost and all(state.attempts.get(e.index, 0) + 1 >= retry.max_attempts for e in lost):
            # The endpoint is gone (every retry of these failed to connect): stop rather than read all the input.
            raise EndpointUnreachableError(state.errors[lost[0].index])
        state.in_flight = []
        retrying = _settle_failures(state, report, failed, retry)
        if on_sent:
            on_sent(len(batch) - len(failed))
        if on_progress:
            on_progress(report)
        if retrying:
            state.pending = sorted(retrying + state.pending, key=lambda e: e.index)
            sleep(retry.delay(max(state.attempts[e.index] for e in retrying), rng))


def _settle_failures(state: _State, report: PutReport, failed: list[Entry], retry: RetryPolicy) -> list[Entry]:
    """Count an attempt for each failed entry; give up those out of attempts; return those to retry."""
    retrying = []
    for entry in failed:
        state.attempts[entry.index] = state.attempts.get(entry.index, 0) + 1
        if state.attempts[entry.index] >= retry.max_attempts:
            report.failed.append((entry, state.errors.get(entry.index, "unknown error")))
            if state.key_order:
                state.given_up_keys.setdefault(entry.partition_key, entry.index)
        else:
            retrying.append(entry)
    report.retried += len(retrying)
    if state.given_up_keys:
        held = [e for e in state.pending if e.partition_key in state.given_up_keys]
        for entry in held:
            first = state.given_up_keys[entry.partition_key] + 1
            reason = f"held back to keep order: record {first} with the same partition key was not delivered"
            report.failed.append((entry, reason))
        if held:
            state.pending = [e for e in state.pending if e.partition_key not in state.given_up_keys]
    return retrying


def _stop(state: _State, report: PutReport, in_flight_reason: str, pending_reason: str) -> None:
    report.failed.extend((e, in_flight_reason) for e in state.in_flight)
    report.failed.extend((e, pending_reason) for e in state.pending)
    state.in_flight, state.pending = [], []


def _stream(stream: str) -> dict[str, str]:
    """The PutRecords argument naming the stream: its ARN, or its name."""
    return {"StreamARN": stream} if stream.startswith("arn:") else {"StreamName": stream}


def _code(exc: ClientError) -> str:
    return aws_errors.error_code(exc) or "Error"


def _send(kinesis: Any, stream_name: str, batch: list[Entry], report: PutReport, errors: dict[int, str]) -> list[Entry]:
    """One PutRecords call; returns the entries that failed."""
    report.calls += 1
    report.records_per_call.append(len(batch))
    try:
        response = kinesis.put_records(
            **_stream(stream_name), Records=[{"Data": e.data, "PartitionKey": e.partition_key} for e in batch]
        )
    except ClientError as exc:
        code = _code(exc)
        if code not in RETRYABLE_CALL_ERRORS:
            raise
        for entry in batch:
            errors[entry.index] = code
        return list(batch)
    except (BotoConnectionError, HTTPClientError) as exc:  # refused, dropped, timed out: retried like a throttle
        for entry in batch:
            errors[entry.index] = f"{CONNECTION_LOST}: {exc}"
        return list(batch)
    if not response.get("FailedRecordCount"):
        report.sent += len(batch)
        report.bytes_sent += sum(len(e.data) for e in batch)
        return []
    failed = []
    for entry, result in zip(batch, response["Records"], strict=True):
        if "ErrorCode" in result:
            errors[entry.index] = f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}"
            failed.append(entry)
        else:
            report.sent += 1
            report.bytes_sent += len(entry.data)
    return failed
