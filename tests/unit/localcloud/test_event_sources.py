"""The local Kinesis event source mapping's delivery rules, with fake clients: pure, no moto."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from fanout.localcloud.deploy import EventSource, LocalFunction
from fanout.localcloud.event_sources import KinesisEventSourceMapping

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/out"
DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"


class FakeLambda:
    """Answers each invocation with the next scripted payload (the last one repeats)."""

    def __init__(self, *payloads: Any) -> None:
        self.payloads = list(payloads)
        self.calls: list[list[str]] = []

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        self.calls.append([r["kinesis"]["sequenceNumber"] for r in json.loads(Payload)["Records"]])
        payload = self.payloads.pop(0) if len(self.payloads) > 1 else self.payloads[0]
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(payload).encode())}


class FakeSqs:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        return {"QueueUrl": f"https://local/{QueueName}"}

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:
        self.messages.append(json.loads(MessageBody))


def mapping(fake_lambda: FakeLambda, sqs: FakeSqs, **source: Any) -> KinesisEventSourceMapping:
    clients = {"lambda": fake_lambda, "sqs": sqs, "kinesis": object()}
    function = LocalFunction("Consumer", "consumer", "arn:aws:lambda:::function:consumer", Path("."), "app.h", {})
    settings = {
        "stream_arn": STREAM,
        "bisect_on_error": True,
        "maximum_retry_attempts": 2,
        "report_batch_item_failures": True,
        "on_failure_arn": DLQ,
        **source,
    }
    return KinesisEventSourceMapping(clients.__getitem__, function, EventSource(**settings), "us-east-1")


def polling_mapping(fake_lambda: FakeLambda, kinesis: Any, batch_size: int) -> KinesisEventSourceMapping:
    """A mapping that polls ``kinesis`` itself (batching window 0 s, a short idle sleep)."""
    clients = {"lambda": fake_lambda, "sqs": FakeSqs(), "kinesis": kinesis}
    function = LocalFunction("Consumer", "consumer", "arn:aws:lambda:::function:consumer", Path("."), "app.h", {})
    source = EventSource(stream_arn=STREAM, batch_size=batch_size, batching_window_seconds=0)
    return KinesisEventSourceMapping(clients.__getitem__, function, source, "us-east-1", idle_sleep=0.01)


def poll_until_delivered(esm: KinesisEventSourceMapping, count: int, timeout: float = 5.0) -> None:
    """Run the mapping until it delivered ``count`` records (or ``timeout``), then stop it."""
    esm.start()
    deadline = time.monotonic() + timeout
    while esm.stats.as_dict()["records_delivered"] < count and time.monotonic() < deadline:
        time.sleep(0.01)
    esm.stop()


def records(n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {"SequenceNumber": f"{i:03d}", "PartitionKey": "k", "Data": b"{}", "ApproximateArrivalTimestamp": now}
        for i in range(n)
    ]


def test_unknown_item_identifier_fails_the_whole_batch_instead_of_crashing_the_poller() -> None:
    # GIVEN a consumer whose partial batch response names a record that is not in the batch, then succeeds
    fake = FakeLambda({"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}, {"batchItemFailures": []})
    sqs = FakeSqs()
    esm = mapping(fake, sqs, bisect_on_error=False)
    # WHEN the batch is delivered
    esm._deliver("shardId-0", records(3), attempt=0)
    # THEN, as on AWS, the whole batch is retried (nothing raised, nothing lost, nothing dead-lettered)
    assert fake.calls == [["000", "001", "002"], ["000", "001", "002"]]
    assert esm.stats.as_dict()["records_delivered"] == 3
    assert sqs.messages == []


def test_empty_item_identifier_counts_as_a_complete_failure_up_to_the_dead_letter_queue() -> None:
    # GIVEN a consumer that always answers with an empty itemIdentifier
    fake = FakeLambda({"batchItemFailures": [{"itemIdentifier": ""}]})
    sqs = FakeSqs()
    esm = mapping(fake, sqs, bisect_on_error=False, maximum_retry_attempts=1)
    # WHEN the batch is delivered
    esm._deliver("shardId-0", records(2), attempt=0)
    # THEN it is tried once plus one retry, then the whole batch goes to the on-failure destination
    assert len(fake.calls) == 2
    assert esm.stats.as_dict()["records_delivered"] == 0
    assert [m["KinesisBatchInfo"]["batchSize"] for m in sqs.messages] == [2]


def test_partial_failure_checkpoints_before_the_first_failed_record_and_bisects_the_rest() -> None:
    # GIVEN a consumer that fails record 002 once, then accepts everything
    fake = FakeLambda({"batchItemFailures": [{"itemIdentifier": "002"}]}, {"batchItemFailures": []})
    sqs = FakeSqs()
    esm = mapping(fake, sqs)
    # WHEN a batch of four is delivered
    esm._deliver("shardId-0", records(4), attempt=0)
    # THEN 000-001 are done, 002-003 are bisected and retried, nothing is dead-lettered
    assert fake.calls == [["000", "001", "002", "003"], ["002"], ["003"]]
    assert esm.stats.as_dict()["records_delivered"] == 4
    assert sqs.messages == []


class FlakyKinesis:
    """One shard with three records; the first GetRecords is throttled, as Kinesis does past 5 reads/s."""

    def __init__(self) -> None:
        self.reads = 0

    def list_shards(self, StreamName: str) -> dict[str, Any]:
        return {"Shards": [{"ShardId": "shardId-0"}]}

    def get_shard_iterator(self, **_: Any) -> dict[str, str]:
        return {"ShardIterator": "it-0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        self.reads += 1
        if self.reads == 1:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}},
                "GetRecords",
            )
        batch = records(3) if ShardIterator == "it-0" else []
        return {"Records": batch, "NextShardIterator": "it-1"}


def test_a_throttled_get_records_is_retried_and_the_poller_keeps_running() -> None:
    # GIVEN a mapping whose first GetRecords is throttled
    fake = FakeLambda({"batchItemFailures": []})
    kinesis = FlakyKinesis()
    esm = polling_mapping(fake, kinesis, batch_size=10)
    # WHEN it polls
    poll_until_delivered(esm, 3)
    # THEN the records are delivered once, and the throttle is counted rather than killing the poller
    assert fake.calls == [["000", "001", "002"]]
    assert esm.stats.as_dict()["poll_errors"] == 1


class FailingOnceLambda(FakeLambda):
    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        if not self.calls:
            self.calls.append([])
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "Invoke")
        return super().invoke(FunctionName, Payload)


def test_an_invoke_call_that_raises_is_a_failed_batch_that_is_retried_not_lost() -> None:
    # GIVEN a Lambda API that throttles the first Invoke
    fake = FailingOnceLambda({"batchItemFailures": []})
    esm = mapping(fake, FakeSqs(), bisect_on_error=False)
    # WHEN a batch is delivered
    esm._deliver("shardId-0", records(2), attempt=0)
    # THEN it is retried and delivered, and the failure is counted
    assert fake.calls == [[], ["000", "001"]]
    assert esm.stats.as_dict()["records_delivered"] == 2
    assert esm.stats.as_dict()["invocations_failed"] == 1


class BacklogKinesis:
    """One shard with a backlog of 250 records, handed out up to each GetRecords' Limit."""

    def __init__(self) -> None:
        self.backlog = records(250)
        self.limits: list[int] = []

    def list_shards(self, StreamName: str) -> dict[str, Any]:
        return {"Shards": [{"ShardId": "shardId-0"}]}

    def get_shard_iterator(self, **_: Any) -> dict[str, str]:
        return {"ShardIterator": "it"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        self.limits.append(Limit)
        batch, self.backlog = self.backlog[:Limit], self.backlog[Limit:]
        return {"Records": batch, "NextShardIterator": "it"}


def test_a_backlog_is_read_in_one_get_records_and_invoked_in_batches_of_batch_size_in_order() -> None:
    # GIVEN a mapping with BatchSize 100 on a shard holding 250 records
    fake = FakeLambda({"batchItemFailures": []})
    kinesis = BacklogKinesis()
    esm = polling_mapping(fake, kinesis, batch_size=100)
    # WHEN it polls
    poll_until_delivered(esm, 250)
    # THEN one GetRecords of up to 10,000 read them all, and the function got 100, 100 and 50, in order
    assert kinesis.limits[0] == 10_000
    assert [len(call) for call in fake.calls] == [100, 100, 50]
    assert [seq for call in fake.calls for seq in call] == [f"{i:03d}" for i in range(250)]
