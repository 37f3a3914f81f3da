"""Local Kinesis event source mappings: poll an output stream and invoke its consumer, as Lambda does.

Honours batch size, batching window, partial batch responses (ReportBatchItemFailures), bisect-on-error,
the retry limit and the on-failure destination (an SQS message with the batch's metadata, like AWS).
Each shard is read in order (with fanout.streams.ShardReader: reshards, throttling, expired iterators); a
failing batch blocks its shard until it succeeds or is sent away.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fanout.localcloud.deploy import EventSource, LocalFunction
from fanout.streams.position import StartPosition
from fanout.streams.reader import ShardReader

GET_RECORDS_LIMIT = 10_000
"""Records read per GetRecords (Kinesis's maximum): a poll reads ahead, then invokes the function with batches of
BatchSize in shard order, so a busy shard costs one GetRecords per up to 10,000 records, not one per batch."""

LOCAL_RETRY_CAP = 10
"""MaximumRetryAttempts -1 means 'until the record expires' on AWS; offline it is capped here."""


@dataclass
class MappingStats:
    """What one mapping did: counted, so nothing is lost silently."""

    batches: int = 0
    records_delivered: int = 0
    invocations_failed: int = 0
    records_retried: int = 0
    records_to_dlq: int = 0
    dlq_messages: int = 0
    poll_errors: int = 0
    dlq_send_errors: int = 0
    iterator_age_ms: float = 0.0  # as Lambda's IteratorAge: the age of the last record of the last batch invoked
    last_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, int | float]:
        """The counters, for reports."""
        with self.lock:
            return {
                "batches": self.batches,
                "records_delivered": self.records_delivered,
                "invocations_failed": self.invocations_failed,
                "records_retried": self.records_retried,
                "records_to_dlq": self.records_to_dlq,
                "dlq_messages": self.dlq_messages,
                "poll_errors": self.poll_errors,
                "dlq_send_errors": self.dlq_send_errors,
                "iterator_age_ms": self.iterator_age_ms,
            }


Delivered = Callable[[str, list[dict[str, Any]], float], None]
"""Hook called with (function name, records handed to the function successfully, time of the call). Each record
is as GetRecords gave it, plus READ_AT: when the mapping read it (epoch seconds)."""

READ_AT = "fanoutReadAt"
"""The key under which the mapping notes, in each record it read, when it read it (never sent to the function)."""


def _record_event(record: dict[str, Any], shard_id: str, source: EventSource, region: str) -> dict[str, Any]:
    arrival = record["ApproximateArrivalTimestamp"]
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode("ascii"),
            "approximateArrivalTimestamp": arrival.timestamp() if isinstance(arrival, datetime) else float(arrival),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/local-event-source-mapping",
        "awsRegion": region,
        "eventSourceARN": source.stream_arn,
    }


class KinesisEventSourceMapping:
    """Polls every shard of one stream and invokes one function (thread per mapping)."""

    def __init__(
        self,
        client: Callable[[str], Any],
        function: LocalFunction,
        source: EventSource,
        region: str,
        *,
        on_delivered: Delivered | None = None,
        idle_sleep: float = 0.05,
    ) -> None:
        self.client = client
        self.function = function
        self.source = source
        self.region = region
        self.on_delivered = on_delivered
        self.idle_sleep = idle_sleep
        self.stats = MappingStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"esm-{function.name}", daemon=True)
        self._kinesis = client("kinesis")
        self._lambda = client("lambda")
        self._sqs = client("sqs")
        self.stream_name = source.stream_arn.split("/", 1)[1]

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the batch in hand."""
        self._stop.set()
        self._thread.join(timeout)

    # ---------------------------------------------------------------- polling
    def _run(self) -> None:
        """Read the due shards into per-shard batches; deliver a batch once full or its window has passed."""
        kind = "LATEST" if self.source.starting_position == "LATEST" else "TRIM_HORIZON"
        reader = ShardReader(
            self._kinesis, self.stream_name, StartPosition(kind), poll_seconds=0, on_retry=self._poll_error
        )
        while not self._stop.is_set():
            try:
                reader.begin()
                break
            except Exception as exc:  # the stream deleted or unreachable as the poller starts: retried, counted
                self._poll_error(self.stream_name, exc)
                self._stop.wait(self.idle_sleep)
        pending: dict[str, list[dict[str, Any]]] = {}
        first_seen: dict[str, float] = {}
        size = self.source.batch_size
        while not self._stop.is_set():
            idle = True
            for shard in self._due(reader):
                if len(pending.get(shard, [])) >= size:
                    continue  # a full batch is waiting for its turn: read on once it is delivered
                records = self._read(reader, shard, GET_RECORDS_LIMIT)
                if records:
                    idle = False
                    first_seen.setdefault(shard, time.monotonic())
                    pending.setdefault(shard, []).extend(records)
            for shard, batch in pending.items():
                while len(batch) >= size:  # full batches first, in shard order
                    self._deliver(shard, batch[:size], attempt=0)
                    batch = batch[size:]
                waited = time.monotonic() - first_seen.get(shard, time.monotonic())
                if batch and waited >= self.source.batching_window_seconds:
                    self._deliver(shard, batch, attempt=0)
                    batch = []
                pending[shard] = batch
                if not batch:
                    first_seen.pop(shard, None)
            if idle:
                self._stop.wait(self.idle_sleep)
        for shard, records in pending.items():  # drain what was read before stopping, in batches
            for start in range(0, len(records), size):
                self._deliver(shard, records[start : start + size], attempt=0)

    # As Lambda's pollers do, a failed poll is retried, never fatal (an exception used to end the thread, and
    # with it the delivery, silently): the reader backs off a throttled shard and renews an expired iterator
    # itself; any other error is counted, and the same shard is read from the same iterator on a later pass.
    def _due(self, reader: ShardReader) -> list[str]:
        """The shards to read now (none, counted, when listing the children of an ended shard failed)."""
        try:
            return reader.due()
        except Exception as exc:  # counted and shown; listed again on the next pass
            self._poll_error(self.stream_name, exc)
            self._stop.wait(self.idle_sleep)
            return []

    def _read(self, reader: ShardReader, shard: str, limit: int) -> list[dict[str, Any]]:
        """One GetRecords on `shard` (no records, counted, when it failed)."""
        try:
            records = reader.read(shard, limit).records
        except Exception as exc:  # counted and shown; the poll is retried from the same iterator
            self._poll_error(shard, exc)
            self._stop.wait(self.idle_sleep)
            return []
        read_at = time.time()
        for record in records:
            record[READ_AT] = read_at
        return records

    def _poll_error(self, where: str, exc: Exception) -> None:
        """Count a failed poll (also the reader's retry hook: a throttled read or an expired iterator)."""
        with self.stats.lock:
            self.stats.poll_errors += 1
            self.stats.last_error = f"{where}: {exc}"

    # ---------------------------------------------------------------- delivery
    def _invoke(self, shard: str, records: list[dict[str, Any]]) -> tuple[bool, list[str]]:
        event = {"Records": [_record_event(r, shard, self.source, self.region) for r in records]}
        try:
            response = self._lambda.invoke(FunctionName=self.function.name, Payload=json.dumps(event).encode())
            payload = json.loads(response["Payload"].read() or b"null")
        except Exception as exc:  # the Invoke call itself failed: the batch failed, retried as Lambda would
            with self.stats.lock:
                self.stats.batches += 1
                self.stats.last_error = f"Invoke: {exc}"
            return False, []
        with self.stats.lock:
            self.stats.batches += 1
        if "FunctionError" in response:
            return False, []
        if self.source.report_batch_item_failures and isinstance(payload, dict):
            failures = payload.get("batchItemFailures") or []
            if not isinstance(failures, list):
                return True, [""]  # a malformed response fails the whole batch, as on AWS
            return True, [str(f.get("itemIdentifier") or "") if isinstance(f, dict) else "" for f in failures]
        return True, []

    def _deliver(self, shard: str, records: list[dict[str, Any]], attempt: int) -> None:
        called_at = time.time()
        arrived = records[-1]["ApproximateArrivalTimestamp"]
        age = called_at - (arrived.timestamp() if isinstance(arrived, datetime) else float(arrived))
        with self.stats.lock:
            self.stats.iterator_age_ms = round(max(age, 0.0) * 1000, 1)
        ok, failed_ids = self._invoke(shard, records)
        if ok and not failed_ids:
            self._delivered(records, called_at)
            return
        if ok:
            # Partial failure: the checkpoint moves to the first failed record; the rest is retried from there.
            # An empty, null or unknown itemIdentifier makes the whole batch a failure, as on AWS.
            failed = set(failed_ids)
            first = min((i for i, r in enumerate(records) if r["SequenceNumber"] in failed), default=0)
            if not failed <= {r["SequenceNumber"] for r in records}:
                first = 0
            self._delivered(records[:first], called_at)
            remaining = records[first:]
        else:
            with self.stats.lock:
                self.stats.invocations_failed += 1
            remaining = records
        limit = self.source.maximum_retry_attempts
        limit = LOCAL_RETRY_CAP if limit < 0 else min(limit, LOCAL_RETRY_CAP)
        if self.source.bisect_on_error and len(remaining) > 1:
            half = len(remaining) // 2
            self._retry(shard, remaining[:half], attempt)  # splitting does not use up a retry
            self._retry(shard, remaining[half:], attempt)
        elif attempt < limit:
            self._retry(shard, remaining, attempt + 1)
        else:
            self._send_to_dlq(shard, remaining)

    def _retry(self, shard: str, records: list[dict[str, Any]], attempt: int) -> None:
        with self.stats.lock:
            self.stats.records_retried += len(records)
        self._deliver(shard, records, attempt)

    def _delivered(self, records: list[dict[str, Any]], called_at: float) -> None:
        if not records:
            return
        with self.stats.lock:
            self.stats.records_delivered += len(records)
        if self.on_delivered:
            self.on_delivered(self.function.name, records, called_at)

    def _send_to_dlq(self, shard: str, records: list[dict[str, Any]]) -> None:
        with self.stats.lock:
            self.stats.records_to_dlq += len(records)
            self.stats.dlq_messages += 1
        if not self.source.on_failure_arn:
            return
        first, last = records[0], records[-1]
        message = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": self.function.arn},
            "KinesisBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": self.source.stream_arn,
            },
        }
        try:
            queue_name = self.source.on_failure_arn.rsplit(":", 1)[1]
            url = self._sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))
        except Exception as exc:  # a deleted queue, or the cloud stopping: counted and shown, not fatal to the poller
            with self.stats.lock:
                self.stats.dlq_send_errors += 1
                self.stats.last_error = f"on-failure destination: {exc}"
