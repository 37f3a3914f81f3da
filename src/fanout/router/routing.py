"""Route one Kinesis batch with the compiled routes, write each output with PutRecords, retry what failed.

Nothing is lost: an input record is reported back (for the event source mapping to retry) unless every one of
its outputs was written, or, for a poison record, its dead-letter message was sent. Duplicates are possible
on a retry, as with Flink's at-least-once Kinesis sink: outputs already written are written again.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from fanout.producer.entry import Entry
from fanout.producer.sender import RetryPolicy, put_records
from fanout.router.exceptions import RouterConfigurationError
from fanout.routes.evaluator import Program
from fanout.routes.exceptions import RouteError
from fanout.routes.parser import parse_script
from fanout.routes.placeholders import find_placeholders, substitute

SQS_BATCH_MAX_ENTRIES = 10
SQS_MESSAGE_MAX_BYTES = 256 * 1024
WRITE_RETRY = RetryPolicy(max_attempts=8, base_seconds=0.05, max_seconds=2.0)
"""How hard the router tries to write an output before it reports its input record for a retry: the producer's
backoff, with shorter pauses (the function's time is billed, and the event source mapping retries too)."""


@dataclass(frozen=True)
class InputRecord:
    """One record of the Kinesis batch the router got."""

    sequence_number: str
    partition_key: str
    data: bytes


@dataclass
class RoutingResult:
    """What one batch did, counted."""

    records: int = 0
    written: dict[str, int] = field(default_factory=dict)
    dead_lettered: int = 0
    put_calls: int = 0
    retried_entries: int = 0
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def batch_item_failures(self) -> list[dict[str, str]]:
        """The partial batch response's items: the input records to retry."""
        return [{"itemIdentifier": sequence} for sequence in self.failed]

    def as_log(self) -> dict[str, Any]:
        """A summary for the function's log."""
        return {
            "records": self.records,
            "written": self.written,
            "deadLettered": self.dead_lettered,
            "putCalls": self.put_calls,
            "retriedEntries": self.retried_entries,
            "failed": len(self.failed),
            "errors": self.errors[:5],
        }


class DeadLetters:
    """The router's dead-letter queue: one SQS message per poison record, with the reason and the record."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, letters: Sequence[tuple[InputRecord, str]], source_arn: str) -> set[str]:
        """Send ``(record, reason)`` pairs; return the sequence numbers that could not be sent."""
        unsent: set[str] = set()
        for start in range(0, len(letters), SQS_BATCH_MAX_ENTRIES):
            chunk = letters[start : start + SQS_BATCH_MAX_ENTRIES]
            entries = [
                {"Id": str(i), "MessageBody": _letter(record, reason, source_arn)}
                for i, (record, reason) in enumerate(chunk)
            ]
            try:
                answer = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            except (ClientError, BotoCoreError):
                unsent |= {record.sequence_number for record, _ in chunk}
                continue
            unsent |= {chunk[int(failed["Id"])][0].sequence_number for failed in answer.get("Failed", [])}
        return unsent


def _letter(record: InputRecord, reason: str, source_arn: str) -> str:
    """A dead letter: the record itself when it fits in an SQS message, else where to read it in the stream."""
    letter: dict[str, Any] = {
        "reason": reason,
        "eventSourceARN": source_arn,
        "sequenceNumber": record.sequence_number,
        "partitionKey": record.partition_key,
        "dataBytes": len(record.data),
        "data": base64.b64encode(record.data).decode(),
    }
    body = json.dumps(letter)
    if len(body.encode()) > SQS_MESSAGE_MAX_BYTES:
        letter["data"] = None  # too large: read it from the stream by its sequence number, within retention
        letter["truncated"] = True
        body = json.dumps(letter)
    return body


class Router:
    """Compiled routes and the stream each sink writes to."""

    def __init__(self, program: Program, destinations: Mapping[str, str]) -> None:
        missing = [sink for sink in program.sinks if not destinations.get(sink) or "${" in destinations[sink]]
        if missing:
            raise RouterConfigurationError(
                f"no stream ARN for sink table(s) {', '.join(missing)}: give each a 'stream.arn' option, and its "
                "placeholder a value in the router's properties"
            )
        self.program = program
        self.destinations = dict(destinations)

    @classmethod
    def from_sql(cls, sql: str, properties: Mapping[str, str]) -> Router:
        """Compile ``sql`` with its ``${name}`` placeholders resolved from ``properties``; each sink table's
        ``stream.arn`` option is where its records go (the source's placeholders may stay unresolved)."""
        unresolved = {name: f"${{{name}}}" for name in find_placeholders(sql)}
        try:
            script = parse_script(substitute(sql, {**unresolved, **properties}))
            program = Program(script)
        except RouteError as exc:
            raise RouterConfigurationError(f"the routes do not compile: {exc}") from exc
        destinations = {sink: script.tables[sink].options.get("stream.arn", "") for sink in program.sinks}
        return cls(program, destinations)

    def route(
        self,
        records: Sequence[InputRecord],
        kinesis: Any,
        dead_letters: DeadLetters | None,
        *,
        source_arn: str = "",
        retry: RetryPolicy = WRITE_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RoutingResult:
        """Route ``records``; return what was written and the records to report for a retry."""
        result = RoutingResult(records=len(records))
        failures: dict[int, str] = {}
        rows = self.program.execute([record.data for record in records], failures)
        poison = {index: f"Flink would fail the job on this record: {why}" for index, why in failures.items()}
        failed: set[int] = set()
        for sink, sink_rows in rows.items():
            unwritten, unwritable = self._write(sink, sink_rows, records, kinesis, retry, sleep, result)
            failed |= unwritten
            for index, why in unwritable.items():
                poison.setdefault(index, why)
        if poison:
            failed |= self._dead_letter(records, poison, dead_letters, source_arn, result)
        result.failed = [records[index].sequence_number for index in sorted(failed)]
        return result

    def _write(
        self,
        sink: str,
        rows: Sequence[tuple[int, bytes]],
        records: Sequence[InputRecord],
        kinesis: Any,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        result: RoutingResult,
    ) -> tuple[set[int], dict[int, str]]:
        """Write one sink's rows with the producer's sender (only failed entries retried, with backoff); return
        the input records to retry, and those whose output Kinesis can never take (too large) with the reason."""
        stream = self.destinations[sink]
        entries = [Entry(n, data, records[index].partition_key) for n, (index, data) in enumerate(rows)]
        report = put_records(kinesis, stream, entries, retry=retry, sleep=sleep, key_order=False)
        result.put_calls += report.calls
        result.retried_entries += report.retried
        result.written[sink] = report.sent
        if report.abort_error is not None:
            result.errors.append(f"PutRecords to {stream}: {report.abort_error}")
        elif report.failed:
            result.errors.append(f"PutRecords to {stream}: {len(report.failed)} not written: {report.failed[0][1]}")
        unwritten = {rows[entry.index][0] for entry, _ in report.failed}
        unwritable = {rows[entry.index][0]: f"its output to {sink} cannot be written: {why}" for entry, why in
                      report.rejected}  # fmt: skip
        return unwritten, unwritable

    def _dead_letter(
        self,
        records: Sequence[InputRecord],
        poison: Mapping[int, str],
        dead_letters: DeadLetters | None,
        source_arn: str,
        result: RoutingResult,
    ) -> set[int]:
        """Send the poison records away; return the indexes that could not be (they are reported)."""
        if dead_letters is None:
            result.errors.append(f"{len(poison)} poison record(s) and no dead-letter queue: reported for retry")
            return set(poison)
        letters = [(records[index], why) for index, why in sorted(poison.items())]
        unsent = dead_letters.send(letters, source_arn)
        result.dead_lettered = len(letters) - len(unsent)
        if unsent:
            result.errors.append(f"{len(unsent)} dead letter(s) not sent: reported for retry")
        return {index for index in poison if records[index].sequence_number in unsent}
