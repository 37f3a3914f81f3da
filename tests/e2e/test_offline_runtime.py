"""The offline runtime end to end: local cloud, real ASL, real handlers, real SQL, consumers, faults."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from fanout.demo import DemoSettings, run_demo
from fanout.lifecycle.overview import application_overview
from fanout.producer import labelled_transactions
from tests.conftest import set_function_env
from tests.e2e.harness import Harness
from tests.support import history, states_entered, wait_for_execution


@pytest.fixture
def harness(aws_credentials: None) -> Iterator[Harness]:
    h = Harness().start()
    yield h
    h.rt.stop()


def test_demo_passes_every_check_with_a_second_window() -> None:
    # GIVEN/WHEN the demo runs small
    summary = run_demo(
        DemoSettings(records=600, stopped_records=200, rate=3000, window_seconds=3, second_window_seconds=2)
    )
    # THEN every check holds, both windows ran, and the stopped-phase records arrived once after the restore
    assert summary["ok"], summary["checks"]
    assert [e["status"] for e in summary["executions"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert summary["records"]["put"] == 800
    assert sum(summary["records"]["delivered"].values()) == 800
    assert len(summary["flink_jobs"]) == 2
    assert summary["flink_jobs"][1]["records_in"] == 200  # the second window resumed: no replay of the first
    assert {job["runtime"] for job in summary["flink_jobs"]} == {"FLINK-1_20"}


def test_demo_on_flink_2_2_passes_every_check_and_emulates_2_2() -> None:
    # GIVEN/WHEN the demo runs small on a stack whose FlinkRuntime is FLINK-2_2
    summary = run_demo(
        DemoSettings(records=600, stopped_records=200, rate=3000, window_seconds=3, second_window_seconds=2,
                     runtime="FLINK-2_2")
    )  # fmt: skip
    # THEN every check holds, and both windows' local applications routed as Flink 2.2 does
    assert summary["ok"], summary["checks"]
    assert summary["runtime"] == "FLINK-2_2"
    assert [job["runtime"] for job in summary["flink_jobs"]] == ["FLINK-2_2", "FLINK-2_2"]


def test_partial_put_failures_on_producer_and_flink_sinks_lose_nothing(harness: Harness) -> None:
    # GIVEN ProvisionedThroughputExceeded on every 3rd entry of the input and of the positive stream
    harness.rt.cloud.kinesis_faults.fail_entries(harness.outputs["TransactionsStreamName"], every=3, times=100)
    harness.rt.cloud.kinesis_faults.fail_entries(harness.outputs["PositiveTransactionsStreamName"], every=3, times=100)
    arn = harness.run("faulty", {"action": "start"})
    harness.wait_status("RUNNING")
    # WHEN 600 records are put
    report = harness.put(600, 1)
    harness.wait_delivered()
    # THEN the producer and the job retried only failed entries, and every record arrived once, on its route
    assert report.complete
    assert report.retried >= 100
    job = harness.rt.jobs.jobs["fanout-e2e-fanout"] if harness.rt.jobs else None
    assert job is not None and job.stats.put_retries > 0
    assert harness.rt.cloud.kinesis_faults.injected[harness.outputs["PositiveTransactionsStreamName"]] > 0
    assert harness.ledger.ok, harness.ledger.report()
    assert wait_for_execution(harness.rt.client("stepfunctions"), arn)["status"] == "SUCCEEDED"


def test_consumer_failing_a_record_retries_bisects_and_dead_letters_only_it(harness: Harness) -> None:
    # GIVEN a poison record written straight to the positive stream among good ones
    kinesis = harness.rt.client("kinesis")
    stream = harness.outputs["PositiveTransactionsStreamName"]
    good = [json.dumps({"id": i, "username": "u", "amount": 1.5}).encode() for i in range(10)]
    records = [*good[:5], b"poison: not json", *good[5:]]
    for data in records:
        kinesis.put_record(StreamName=stream, Data=data, PartitionKey="same-shard")
    # WHEN the consumer's mapping processes them
    mapping = next(m for m in harness.rt.mappings if m.stream_name == stream)
    deadline = time.monotonic() + 20

    def settled() -> bool:
        stats = mapping.stats.as_dict()
        return stats["dlq_messages"] > 0 and stats["records_delivered"] >= len(good)

    while not settled() and time.monotonic() < deadline:
        time.sleep(0.1)
    stats = mapping.stats.as_dict()
    # THEN only the poison record reached the dead-letter queue, with its sequence number, and the rest arrived
    assert stats["records_to_dlq"] == 1
    assert stats["records_delivered"] == 10
    assert stats["records_retried"] > 0
    sqs = harness.rt.client("sqs")
    messages = sqs.receive_message(QueueUrl=harness.outputs["ConsumerDeadLetterQueueUrl"], WaitTimeSeconds=1)[
        "Messages"
    ]
    info = json.loads(messages[0]["Body"])["KinesisBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"].endswith(stream)


def test_stop_while_records_are_in_flight_loses_and_replays_nothing(harness: Harness) -> None:
    # GIVEN a running application and a producer putting records continuously
    sfn = harness.rt.client("stepfunctions")
    first = harness.run("w1", {"action": "run", "duration": "PT2S"})
    harness.wait_status("RUNNING")
    stop = threading.Event()

    def produce() -> None:
        start = 1
        while not stop.is_set():
            harness.put(50, start)
            start += 50
            time.sleep(0.05)

    producer = threading.Thread(target=produce)
    producer.start()
    # WHEN the window ends (stop with a snapshot) while records keep arriving, then a second window runs
    assert wait_for_execution(sfn, first)["status"] == "SUCCEEDED"
    stop.set()
    producer.join()
    second = harness.run("w2", {"action": "run", "duration": "PT2S"})
    assert wait_for_execution(sfn, second)["status"] == "SUCCEEDED"
    harness.wait_delivered(timeout=60.0)  # generous: on a loaded 2-core machine the consumers lag
    # THEN every record put before, during and after the stop arrived exactly once on its route
    assert harness.ledger.ok, harness.ledger.report()
    assert harness.ledger.report()["put"] >= 100
    assert "Wait out the run window" in states_entered(sfn, second)


def _read_all(kinesis: Any, stream: str) -> list[bytes]:
    """Every record of ``stream``, from the start."""
    seen: list[bytes] = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while True:
            response = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            seen.extend(r["Data"] for r in response["Records"])
            if not response["Records"]:
                break
            iterator = response["NextShardIterator"]
    return seen


def _wait(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_local_flink_job_restarts_from_its_checkpoint_when_an_output_stream_vanishes(
    harness: Harness,
) -> None:
    # GIVEN a RUNNING application that has routed a first batch of records
    events: list[str] = []
    assert harness.rt.jobs is not None
    harness.rt.jobs.on_event = lambda application, message: events.append(message)
    harness.run("restart", {"action": "start"})
    harness.wait_status("RUNNING")
    kinesis = harness.rt.client("kinesis")
    negative = harness.outputs["NegativeTransactionsStreamName"]
    first = harness.put(300, 1)
    job = harness.rt.jobs.jobs["fanout-e2e-fanout"]
    _wait(lambda: job.stats.records_in == 300)
    # WHEN the negative stream is deleted behind the job's back, and more records arrive
    kinesis.delete_stream(StreamName=negative, EnforceConsumerDeletion=True)
    second = harness.put(300, 1000)
    assert first.complete and second.complete
    # THEN the job fails, says so, and restarts from its last checkpoint (it used to die silently for good)
    _wait(lambda: job.stats.restarts >= 2)
    assert any("restart" in event and "checkpoint" in event for event in events), events
    metric = harness.rt.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/KinesisAnalytics", MetricName="fullRestarts",
        Dimensions=[{"Name": "Application", "Value": "fanout-e2e-fanout"}],
        StartTime=time.time() - 600, EndTime=time.time() + 60, Period=60, Statistics=["Maximum"],
    )  # fmt: skip
    assert max(point["Maximum"] for point in metric["Datapoints"]) >= 1
    view = application_overview(harness.rt.client("kinesisanalyticsv2"), "fanout-e2e-fanout",
                                harness.rt.client("cloudwatch"))  # fmt: skip
    assert view.status == "RUNNING" and (view.restarts or 0) >= 1  # what `fanout app status` shows
    # AND once the stream is back, every record is routed, and none that a checkpoint covered is emitted twice
    kinesis.create_stream(StreamName=negative, ShardCount=1)
    _wait(lambda: job.stats.records_in == 600)
    streams = {
        "positive": harness.outputs["PositiveTransactionsStreamName"],
        "negative": negative,
        "rejected": harness.outputs["RejectedTransactionsStreamName"],
    }
    written = {route: Counter(map(_key, _read_all(kinesis, stream))) for route, stream in streams.items()}
    for data, route in labelled_transactions(300, seed=1, malformed_ratio=0.1, start_id=1):
        if route != "negative":  # the negative stream was deleted with its first records
            assert written[route][_key(data)] == 1, (route, data)
    for data, route in labelled_transactions(300, seed=1000, malformed_ratio=0.1, start_id=1000):
        assert written[route][_key(data)] >= 1, (route, data)


def _key(record: bytes) -> object:
    """A routed record's identity: its id when the route rewrote it as JSON, else its bytes."""
    try:
        return json.loads(record)["id"]
    except (ValueError, KeyError, TypeError):
        return record


def test_an_application_deleted_mid_window_resumes_at_the_last_clean_stop_not_the_start_of_the_stream(
    harness: Harness,
) -> None:
    # GIVEN a first window that routed 100 records and stopped cleanly, and no replay margin (records arrive
    # only while the job keeps up, so the stop's moment is exact here)
    set_function_env(harness.rt.deployment, RESUME_MARGIN_SECONDS="0")
    sfn = harness.rt.client("stepfunctions")
    kinesis, kda = harness.rt.client("kinesis"), harness.rt.client("kinesisanalyticsv2")
    app = "fanout-e2e-fanout"
    assert harness.put(100, 1).complete
    first = harness.run("clean", {"action": "run", "duration": "PT2S"})
    assert wait_for_execution(sfn, first)["status"] == "SUCCEEDED"
    assert "Record the resume position" in states_entered(sfn, first)
    # AND a second window, which routes 100 more, then loses its application behind its back
    assert harness.put(100, 1000).complete
    second = harness.run("vanishes", {"action": "run", "duration": "PT8S"})
    deadline = time.monotonic() + 30
    while "Wait out the run window" not in states_entered(sfn, second):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert harness.rt.jobs is not None
    _wait(lambda: harness.rt.jobs.jobs[app].stats.records_in == 100)
    kda.stop_application(ApplicationName=app, Force=True)
    harness.wait_status("READY")
    created = kda.describe_application(ApplicationName=app)["ApplicationDetail"]["CreateTimestamp"]
    kda.delete_application(ApplicationName=app, CreateTimestamp=created)
    result = wait_for_execution(sfn, second)
    assert (result["status"], result["error"]) == ("FAILED", "ApplicationVanishedError")
    assert states_entered(sfn, second)[-2:] == ["Notify failure", "Lifecycle failed"]
    # WHEN 100 more records arrive and the next window re-creates the application
    assert harness.put(100, 2000).complete
    third = harness.run("recreated", {"action": "run", "duration": "PT2S"})
    result = wait_for_execution(sfn, third)
    # THEN it SUCCEEDS, and its history says it read from AT_TIMESTAMP of the first window's stop
    assert result["status"] == "SUCCEEDED", result.get("cause")
    ensured = next(
        json.loads(event["stateExitedEventDetails"]["output"])["application"]
        for event in history(sfn, third)
        if event["type"] == "TaskStateExited"
        and event["stateExitedEventDetails"]["name"] == "Ensure application exists"
    )
    stop_began = next(
        json.loads(event["stateExitedEventDetails"]["output"])["resumePosition"]["stopBegan"]
        for event in history(sfn, first)
        if event["type"] == "TaskStateExited"
        and event["stateExitedEventDetails"]["name"] == "Record the resume position"
    )
    assert ensured["action"] == "created" and ensured["startPosition"]["type"] == "AT_TIMESTAMP"
    assert ensured["startPosition"]["timestamp"][:19] == stop_began[:19]
    # AND nothing is lost; the first window's records are not emitted again (TRIM_HORIZON would have); the
    # replay is bounded by the vanished window: its records are emitted twice, the last ones once
    streams = [harness.outputs[f"{route}TransactionsStreamName"] for route in ("Positive", "Negative", "Rejected")]
    written = Counter(_key(record) for stream in streams for record in _read_all(kinesis, stream))
    for start_id, times in ((1, 1), (1000, 2), (2000, 1)):
        for data, _ in labelled_transactions(100, seed=start_id, malformed_ratio=0.1, start_id=start_id):
            assert written[_key(data)] == times, (start_id, data)
