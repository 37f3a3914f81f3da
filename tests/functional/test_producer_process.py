"""The latency benchmark's producer process: it puts on schedule against a local cloud, and fails by name."""

from __future__ import annotations

import pytest

from fanout.bench.exceptions import ProducerProcessError
from fanout.bench.producer_process import ProducerPlan, run_producer
from fanout.localcloud.server import LocalCloud


def test_the_producer_process_puts_every_record_and_says_when() -> None:
    with LocalCloud() as cloud:
        # Given a stream in a local cloud (a server: the producer is another process) and 40 records at 200/s
        kinesis = cloud.client("kinesis")
        kinesis.create_stream(StreamName="in", ShardCount=1)
        plan = ProducerPlan(cloud.client_environment(), "in", rate=200, seconds=0.2, tick=0.05, start_id=1)
        # When a producer process runs it
        produced = run_producer(plan, timeout=60)
        shard = kinesis.list_shards(StreamName="in")["Shards"][0]["ShardId"]
        iterator = kinesis.get_shard_iterator(StreamName="in", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        stored = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    # Then it put the plan's records, in slices of rate * tick, each with the time it was put
    assert produced["put"] == 40 and produced["failed"] == 0
    assert [(offset, count) for offset, count, _ in produced["slices"]] == [(0, 10), (10, 10), (20, 10), (30, 10)]
    times = [at for _, _, at in produced["slices"]]
    assert times == sorted(times)
    assert [r["Data"] for r in stored] == plan.records()


def test_a_producer_process_that_cannot_put_is_a_named_error() -> None:
    # Given a plan whose endpoint nothing listens on
    environment = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                   "AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1"}  # fmt: skip
    plan = ProducerPlan(environment, "in", rate=10, seconds=0.1, tick=0.1, start_id=1)
    # When it runs, Then the failure comes back as ProducerProcessError, with the cause
    with pytest.raises(ProducerProcessError, match=r"the producer process failed: .*Error"):
        run_producer(plan, timeout=60)
