"""The Lambda engine's month and the crossover rate (pure arithmetic, no network)."""

from __future__ import annotations

import pytest

from fanout.cost.estimate import CostLine
from fanout.cost.router import MAX_RATE, RouterLoad, RouterPrices, cost_per_million, crossover_rate, router_month

STREAMS = [CostLine(item="Kinesis shard-hours", quantity=2920, unit="shard-hour", unit_price=0.015, monthly=43.8)]


def test_router_month_is_requests_and_gb_seconds_over_the_streams() -> None:
    # GIVEN 1,000 records/s on one shard, 500-record batches, 256 MB, 50 ms of CPU per 1,000 records, 30 ms of I/O
    load = RouterLoad(rate=1000, batch_size=500, memory_mb=256, cpu_ms_per_1000=50, io_ms_per_batch=30)
    # WHEN priced
    month = router_month(load, STREAMS)
    # THEN 2 batches a second all month, each 25 ms of CPU stretched to a 256 MB share of a vCPU, plus the I/O
    invocations = 1000 / 500 * 730 * 3600
    seconds = 0.025 * 1769 / 256 + 0.030
    lines = {line.item: line.monthly for line in month.lines}
    assert lines["Lambda requests"] == pytest.approx(invocations / 1e6 * 0.20)
    assert lines["Lambda compute"] == pytest.approx(invocations * seconds * 0.25 * 0.0000166667)
    assert month.total == pytest.approx(lines["Lambda requests"] + lines["Lambda compute"] + 43.8)


def test_a_slow_stream_gets_small_batches_one_per_poll() -> None:
    # GIVEN 10 records/s over 2 shards, polled about once a second: 5 records a batch, not 500
    load = RouterLoad(rate=10, input_shards=2, batch_size=500, batching_window_seconds=0)
    # WHEN the batch is sized THEN it is what a poll finds
    assert load.records_per_batch() == pytest.approx(5)
    # AND a 10-second batching window makes it ten times larger
    assert load.model_copy(update={"batching_window_seconds": 10}).records_per_batch() == pytest.approx(50)


def test_crossover_is_where_the_router_month_reaches_the_flink_month() -> None:
    # GIVEN a Flink month of $200 and the default router
    load = RouterLoad(rate=0)
    # WHEN the crossover is found
    rate = crossover_rate(200.0, load, STREAMS)
    # THEN the router is cheaper just below it and dearer just above it
    assert rate is not None and 0 < rate < MAX_RATE
    assert router_month(load.model_copy(update={"rate": rate * 0.99}), STREAMS).total < 200.0
    assert router_month(load.model_copy(update={"rate": rate * 1.01}), STREAMS).total > 200.0


def test_crossover_edges() -> None:
    # GIVEN a Flink month below the streams alone, and one no router rate reaches (free compute)
    load = RouterLoad(rate=0)
    # THEN no rate makes the router cheaper than the first; every rate makes it cheaper than the second
    assert crossover_rate(10.0, load, STREAMS) is None
    assert crossover_rate(1000.0, load, STREAMS, RouterPrices(gb_second=0, requests_per_million=0)) == MAX_RATE


def test_cost_per_million_is_the_month_of_a_million_records() -> None:
    # GIVEN full 500-record batches
    load = RouterLoad(rate=500, batch_size=500, cpu_ms_per_1000=40, memory_mb=128)
    # WHEN a million records are priced THEN it is 2,000 requests and their GB-seconds
    seconds = 0.040 * 500 / 1000 * 1769 / 128 + 0.030
    expected = 2000 * 0.20 / 1e6 + 2000 * seconds * 0.125 * 0.0000166667
    assert cost_per_million(load) == pytest.approx(expected)
