"""Route one Kinesis batch with the compiled routes, write each output with PutRecords, retry what failed.

Nothing is lost: an input record is reported back (for the event source mapping to retry) unless every one of
its outputs was written, or, for a poison record, its dead-letter message was sent. Duplicates are possible
on a retry, as with Flink's at-least-once Kinesis sink: outputs already written are written again.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from fanout.aws_errors import KINESIS_THROTTLED, SERVER_ERRORS, THROTTLING, error_code
from fanout.router.exceptions import RouterConfigurationError
from fanout.routes.evaluator import Program
from fanout.routes.exceptions import RouteError
from fanout.routes.parser import parse_script
from fanout.routes.placeholders import find_placeholders, substitute

PUT_RECORDS_MAX_ENTRIES = 500
PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024
"""PutRecords takes up to 500 records and 5 MiB (data and partition keys) per request."""
SQS_BATCH_MAX_ENTRIES = 10
SQS_MESSAGE_MAX_BYTES = 256 * 1024
RETRYABLE = KINESIS_THROTTLED | THROTTLING | SERVER_ERRORS


@dataclass(frozen=True)
class InputRecord:
    """One record of the Kinesis batch the router got."""

    sequence_number: str
    partition_key: str
    data: bytes


@dataclass(frozen=True)
class WriteSettings:
    """How hard the router tries to write an output before it reports its input record for a retry."""

    max_attempts: int = 5
    base_delay_seconds: float = 0.05
    max_delay_seconds: float = 2.0

    def delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff before attempt ``attempt`` (2, 3, ...)."""
        return random.uniform(0, min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempt - 1)))


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


@dataclass(frozen=True)
class _Entry:
    index: int
    partition_key: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data) + len(self.partition_key.encode())


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
        settings: WriteSettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RoutingResult:
        """Route ``records``; return what was written and the records to report for a retry."""
        settings = settings or WriteSettings()
        result = RoutingResult(records=len(records))
        failures: dict[int, str] = {}
        rows = self.program.execute([record.data for record in records], failures)
        failed: set[int] = set()
        if failures:
            failed |= self._dead_letter(records, failures, dead_letters, source_arn, result)
        for sink, sink_rows in rows.items():
            entries = [_Entry(index, records[index].partition_key, data) for index, data in sink_rows]
            unwritten = self._write(self.destinations[sink], entries, kinesis, settings, sleep, result)
            result.written[sink] = len(entries) - len(unwritten)
            failed |= unwritten
        result.failed = [records[index].sequence_number for index in sorted(failed)]
        return result

    def _dead_letter(
        self,
        records: Sequence[InputRecord],
        failures: Mapping[int, str],
        dead_letters: DeadLetters | None,
        source_arn: str,
        result: RoutingResult,
    ) -> set[int]:
        """Send the poison records away; return the indexes that could not be (they are reported)."""
        if dead_letters is None:
            result.errors.append(f"{len(failures)} poison record(s) and no dead-letter queue: reported for retry")
            return set(failures)
        letters = [
            (records[index], f"Flink would fail the job on this record: {why}") for index, why in failures.items()
        ]
        unsent = dead_letters.send(letters, source_arn)
        result.dead_lettered = len(letters) - len(unsent)
        if unsent:
            result.errors.append(f"{len(unsent)} dead letter(s) not sent: reported for retry")
        return {index for index in failures if records[index].sequence_number in unsent}

    def _write(
        self,
        stream_arn: str,
        entries: list[_Entry],
        kinesis: Any,
        settings: WriteSettings,
        sleep: Callable[[float], None],
        result: RoutingResult,
    ) -> set[int]:
        """Write ``entries`` to ``stream_arn``, retrying only failed entries; return the unwritten indexes."""
        pending = entries
        for attempt in range(1, settings.max_attempts + 1):
            if not pending:
                return set()
            if attempt > 1:
                result.retried_entries += len(pending)
                sleep(settings.delay(attempt))
            retry: list[_Entry] = []
            chunks = _chunks(pending)
            for number, chunk in enumerate(chunks):
                result.put_calls += 1
                try:
                    answer = kinesis.put_records(
                        StreamARN=stream_arn,
                        Records=[{"Data": e.data, "PartitionKey": e.partition_key} for e in chunk],
                    )
                except ClientError as exc:
                    result.errors.append(f"PutRecords to {stream_arn}: {error_code(exc)}")
                    if error_code(exc) not in RETRYABLE:
                        # a deleted stream, a denied write: retrying here is vain, the event source mapping retries
                        return {e.index for rest in chunks[number:] for e in rest} | {e.index for e in retry}
                    retry += chunk
                    continue
                except BotoCoreError as exc:  # a dropped connection, a timeout
                    result.errors.append(f"PutRecords to {stream_arn}: {exc}")
                    retry += chunk
                    continue
                retry += [e for e, out in zip(chunk, answer["Records"], strict=True) if out.get("ErrorCode")]
            pending = retry
        return {e.index for e in pending}


def _chunks(entries: list[_Entry]) -> list[list[_Entry]]:
    """PutRecords requests within the service's limits, in order."""
    chunks: list[list[_Entry]] = []
    current: list[_Entry] = []
    size = 0
    for entry in entries:
        if current and (len(current) == PUT_RECORDS_MAX_ENTRIES or size + entry.size > PUT_RECORDS_MAX_BYTES):
            chunks.append(current)
            current, size = [], 0
        current.append(entry)
        size += entry.size
    if current:
        chunks.append(current)
    return chunks
