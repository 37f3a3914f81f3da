"""The Lambda engine end to end: the router in the local event source mapping, then the consumers, with faults."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from fanout.demo import DemoSettings, run_demo
from tests.conftest import set_function_env
from tests.e2e.harness import Harness

ROOT = Path(__file__).resolve().parents[2]


def _router(harness: Harness) -> dict[str, int]:
    """The router mapping's counters."""
    return next(m.stats.as_dict() for m in harness.rt.mappings if m.function.logical_id == "RouterFunction")


@pytest.fixture
def router_harness(aws_credentials: None) -> Iterator[Harness]:
    h = Harness({"Engine": "lambda", "RouterMaximumRetryAttempts": "1", "RouterBatchingWindowSeconds": "0"}).start()
    yield h
    h.rt.stop()


def test_router_engine_deploys_no_lifecycle_and_routes_every_record_once(router_harness: Harness) -> None:
    # GIVEN the stack deployed with Engine lambda
    deployed = {f.logical_id for f in router_harness.rt.deployment.functions.values()}
    assert "RouterFunction" in deployed and not any("Application" in name for name in deployed)
    assert "LifecycleStateMachineArn" not in router_harness.outputs
    # WHEN transactions are put
    router_harness.put(600, 1)
    router_harness.wait_delivered()
    # THEN each reached exactly one correct consumer
    report = router_harness.ledger.report()
    assert router_harness.ledger.ok, report
    assert _router(router_harness)["invocations_failed"] == 0


def test_router_engine_loses_nothing_with_half_the_output_entries_throttled(router_harness: Harness) -> None:
    # GIVEN half of the entries the router puts to the positive and negative streams throttled, and enough
    # attempts for halving to end inside one invocation (with 5, a small batch may give up and be retried by the
    # mapping, which writes its other outputs again: duplicates, never a loss)
    set_function_env(router_harness.rt.deployment, ROUTER_MAX_PUT_ATTEMPTS="12")
    faults = router_harness.rt.cloud.kinesis_faults
    for stream in ("PositiveTransactionsStreamName", "NegativeTransactionsStreamName"):
        faults.fail_entries(router_harness.outputs[stream], every=2, times=150)
    # WHEN transactions are put
    router_harness.put(600, 1)
    router_harness.wait_delivered()
    # THEN the router retried only the failed entries: nothing lost, nothing duplicated, no batch failed
    assert router_harness.ledger.ok, router_harness.ledger.report()
    assert sum(faults.injected.values()) == 300
    assert _router(router_harness)["invocations_failed"] == 0


def test_router_engine_sends_what_it_cannot_write_to_a_deleted_stream_to_its_dead_letter_queue(
    router_harness: Harness,
) -> None:
    # GIVEN the negative stream deleted behind the router's back
    router_harness.rt.client("kinesis").delete_stream(
        StreamName=router_harness.outputs["NegativeTransactionsStreamName"]
    )
    # WHEN transactions are put
    router_harness.put(120, 1)
    negatives = sum(route == "negative" for route, _, _ in router_harness.ledger.expected.values())
    deadline = time.monotonic() + 60
    while _router(router_harness)["records_to_dlq"] < negatives and time.monotonic() < deadline:
        time.sleep(0.1)
    # THEN every positive and rejected record still reached its consumer (at least once: retries rewrite them),
    # and only the negative ones did not
    expected = Counter(route for route, _, _ in router_harness.ledger.expected.values())
    report = router_harness.ledger.report()
    assert report["delivered"] == {"positive": expected["positive"], "rejected": expected["rejected"]}
    assert report["lost"] == expected["negative"] > 0 and report["misrouted"] == 0
    # AND the batches the router gave up on are in its dead-letter queue, with their shard and sequence range
    sqs = router_harness.rt.client("sqs")
    queue = router_harness.outputs["RouterDeadLetterQueueUrl"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert messages and "KinesisBatchInfo" in json.loads(messages[0]["Body"])
    assert _router(router_harness)["records_to_dlq"] == negatives


def test_demo_with_the_lambda_engine_passes_every_check() -> None:
    # GIVEN the demo with the router engine WHEN it runs THEN every check holds
    summary = run_demo(DemoSettings(records=800, stopped_records=200, engine="lambda"))
    assert summary["ok"], summary["checks"]
    assert summary["records"]["put"] == 1000 and summary["router"]["records_delivered"] == 1000


def test_router_engine_dead_letters_a_poison_record_and_delivers_the_rest(
    router_harness: Harness, tmp_path: Path
) -> None:
    # GIVEN the router on routes whose id is a CAST, on which Flink fails the job for an id that is not a number
    sql = (ROOT / "sql" / "fanout.sql").read_text()
    strict = sql.replace(
        "TRY_CAST(JSON_VALUE(CAST(payload AS STRING), '$.id') AS BIGINT)",
        "CAST(JSON_VALUE(CAST(payload AS STRING), '$.id') AS BIGINT)",
    )
    assert strict != sql
    (tmp_path / "strict.sql").write_text(strict)
    set_function_env(router_harness.rt.deployment, ROUTER_SQL_FILE=str(tmp_path / "strict.sql"))
    # WHEN transactions are put, and one poison record among them
    poison = b'{"id":"x1","username":"poison","amount":1.5}'
    router_harness.put(200, 1)
    router_harness.rt.client("kinesis").put_record(
        StreamName=router_harness.outputs["TransactionsStreamName"], Data=poison, PartitionKey="poison"
    )
    router_harness.put(200, 1_000)
    router_harness.wait_delivered()
    # THEN every other record reached exactly its consumer, and no batch failed for the poison one
    assert router_harness.ledger.ok, router_harness.ledger.report()
    assert _router(router_harness)["invocations_failed"] == 0
    # AND the poison record is in the router's dead-letter queue, with its bytes and why Flink would stop
    sqs = router_harness.rt.client("sqs")
    messages = sqs.receive_message(QueueUrl=router_harness.outputs["RouterDeadLetterQueueUrl"], MaxNumberOfMessages=10)
    letters = [json.loads(m["Body"]) for m in messages["Messages"]]
    assert [base64.b64decode(letter["data"]) for letter in letters] == [poison]
    assert "Flink would fail the job" in letters[0]["reason"]
