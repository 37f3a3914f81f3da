"""End-to-end latency (put to consumer handler) at sustained rates, and the producer's efficiency.

The producer puts a slice of records every ``tick`` on an absolute schedule, so a slow put shows as a lower
achieved rate rather than being hidden. Latency runs from the moment before the PutRecords call to the
moment the event source mapping invokes the consumer with the record.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from fanout.bench.data import reference_route, transactions
from fanout.bench.offline import BenchRuntime
from fanout.bench.producer_process import ProducerPlan, run_producer
from fanout.bench.targets import Target
from fanout.ledger import LEGS, Ledger
from fanout.lifecycle.status import ApplicationStatus
from fanout.producer import Entry, partition_key_for, put_records

SHARD_RECORDS_PER_SECOND = 1_000
SHARD_BYTES_PER_SECOND = 1024 * 1024
KEPT_UP_SECONDS = 5.0
"""A rate counts as sustained when every record arrived within this long after the producer stopped."""


@dataclass(frozen=True)
class LatencySettings:
    """Rates, durations and the producer-efficiency put of the offline section."""

    rates: tuple[int, ...] = (100, 1_000, 2_000, 5_000)
    seconds: float = 30.0
    drain_seconds: float = 30.0
    tick: float = 0.1
    bulk_records: int = 10_000
    target_rate: int = 1_000  # the rate whose p99 has a target
    batching_window: int = 0  # the consumers' MaximumBatchingWindowInSeconds (the template's default is 1)
    router_rates: tuple[int, ...] = (1_000,)  # the rates measured again with the Lambda engine (Engine=lambda)
    sustained_rate: int = 5_000  # the rate that must be sustained, for ``sustained_seconds`` (not ``seconds``)
    sustained_seconds: float = 60.0
    sustained_p99_ms: float = 1_000.0

    def seconds_at(self, rate: int) -> float:
        """How long ``rate`` is put for."""
        return self.sustained_seconds if rate == self.sustained_rate else self.seconds


def _latencies(ledger: Ledger) -> list[float]:
    """Milliseconds from put to first delivery of every delivered record."""
    return sorted(
        (got[0][1] - put_at) * 1000
        for key, (_, put_at, _) in ledger.expected.items()
        if (got := ledger.deliveries.get(key))
    )


def _trips(ledger: Ledger) -> list[dict[str, float]]:
    """Every delivered record's stage times (the stages that were stamped)."""
    trips = []
    for key, (_, put_at, _) in ledger.expected.items():
        got = ledger.deliveries.get(key)
        if not got:
            continue
        trip = {"put": put_at, **ledger.stamps.get(key, {}), "handler": got[0][1]}
        if (written := ledger.written.get(key)) is not None:
            trip["written"] = written
        trips.append(trip)
    return trips


def _stages(ledger: Ledger) -> dict[str, dict[str, float]]:
    """p50 and p99 (ms) of each leg between consecutive stages, and of the two halves of the trip split where
    the record reached its output stream (put -> output, output -> consumer)."""
    trips = _trips(ledger)
    legs = [*LEGS, ("put", "written"), ("written", "handler")]
    out: dict[str, dict[str, float]] = {}
    for first, then in legs:
        values = sorted((t[then] - t[first]) * 1000 for t in trips if first in t and then in t)
        if values:
            name = {("put", "written"): "put_to_output", ("written", "handler"): "output_to_consumer"}.get(
                (first, then), f"{first}_to_{then}"
            )
            out[name] = {"p50_ms": round(_quantile(values, 0.5), 1), "p99_ms": round(_quantile(values, 0.99), 1)}
    return out


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


def _produce(bench: BenchRuntime, rate: int, seconds: float, tick: float, start_id: int) -> dict[str, Any]:
    """Put at ``rate`` from a producer process; expect each record put, at the time its slice was put."""
    plan = ProducerPlan(
        environment=bench.rt.cloud.client_environment(),
        stream=bench.output("TransactionsStreamName"),
        rate=rate,
        seconds=seconds,
        tick=tick,
        start_id=start_id,
    )
    records = plan.records()
    routes = [reference_route(data) for data in records]
    for data, route in zip(records, routes, strict=True):  # known before any can arrive; timed below
        bench.ledger.expect(data, route, 0.0)
    produced = run_producer(plan)
    put = 0
    for offset, count, put_at in produced.pop("slices"):
        for index in range(offset, offset + count):
            bench.ledger.expect(records[index], routes[index], put_at)
        put = max(put, offset + count)
    for index in range(put, len(records)):  # never put: the producer ran out of time
        bench.ledger.withdraw(records[index], routes[index])
    return produced


def _drain(ledger: Ledger, seconds: float) -> float:
    began = time.monotonic()
    while not ledger.complete() and time.monotonic() - began < seconds:
        time.sleep(0.1)
    return time.monotonic() - began


def _start_application(bench: BenchRuntime) -> None:
    sfn = bench.rt.client("stepfunctions")
    arn = bench.output("LifecycleStateMachineArn")
    sfn.start_execution(stateMachineArn=arn, name="bench-start", input='{"action": "start"}')
    bench.wait_status(ApplicationStatus.RUNNING, 60)
    time.sleep(1.0)  # let the job and the mappings settle on their iterators


def measure_rate(rate: int, s: LatencySettings, start_id: int, engine: str = "flink") -> dict[str, Any]:
    """In a fresh local cloud, put at ``rate`` for ``s.seconds``, wait for every record, report latency. With
    ``engine`` "lambda" the stack routes with the router function (its mapping polls like the consumers')."""
    parameters = {"ConsumerBatchingWindowSeconds": str(s.batching_window), "Engine": engine}
    if engine == "lambda":
        parameters["RouterBatchingWindowSeconds"] = str(s.batching_window)
    with BenchRuntime(parameters=parameters) as bench:
        if engine == "flink":
            _start_application(bench)
        ledger = bench.fresh_ledger()
        produced = _produce(bench, rate, s.seconds_at(rate), s.tick, start_id)
        drained = _drain(ledger, s.drain_seconds)
        errors = bench.job_errors()
    report = ledger.report()
    latencies = _latencies(ledger)
    # Sustained: the producer reached the rate and the pipeline kept up (its backlog cleared soon after).
    sustained = produced["achieved_rps"] >= 0.95 * rate and drained <= KEPT_UP_SECONDS
    return {
        "rate": rate,
        "engine": engine,
        **produced,
        "delivered": sum(report["delivered"].values()),
        "lost": report["lost"],
        "duplicated": report["duplicated"],
        "misrouted": report["misrouted"],
        "job_errors": errors,
        "drain_seconds": round(drained, 2),
        "p50_ms": round(_quantile(latencies, 0.5), 1),
        "p99_ms": round(_quantile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "stages": _stages(ledger),
        "sustained": sustained,
        "ok": sustained and not (report["lost"] or report["duplicated"] or report["misrouted"]),
        "latencies_ms": [round(v, 1) for v in latencies],
    }


def measure_producer(bench: BenchRuntime, count: int) -> dict[str, Any]:
    """Put ``count`` records in one go (the producer packs them) and compare with the shard write limit."""
    kinesis = bench.rt.client("kinesis")
    stream = bench.output("TransactionsStreamName")
    shards = len(kinesis.list_shards(StreamName=stream)["Shards"])
    records = transactions(count, seed=99, start_id=10_000_000)
    entries = [Entry(i, d, partition_key_for(d, None)) for i, d in enumerate(records)]
    ledger = bench.fresh_ledger()
    put_at = time.time()
    for data in records:
        ledger.expect(data, reference_route(data), put_at)
    began = time.perf_counter()
    report = put_records(kinesis, stream, entries)
    elapsed = time.perf_counter() - began
    size = sum(len(e.data) + len(e.partition_key) for e in entries)
    rps, bps = report.sent / elapsed, size / elapsed
    full_calls = report.records_per_call[:-1] or report.records_per_call
    return {
        "records": count,
        "shards": shards,
        "calls": report.calls,
        "records_per_call_mean": round(statistics.fmean(full_calls), 1),
        "records_per_call": report.records_per_call,
        "seconds": round(elapsed, 3),
        "records_per_second": round(rps),
        "mib_per_second": round(bps / SHARD_BYTES_PER_SECOND, 2),
        "vs_shard_record_limit": round(rps / (SHARD_RECORDS_PER_SECOND * shards), 2),
        "vs_shard_byte_limit": round(bps / (SHARD_BYTES_PER_SECOND * shards), 2),
        "complete": report.complete,
        "drain_seconds": round(_drain(ledger, 60), 1),
        "lost": ledger.report()["lost"],
    }


def run_latency(settings: LatencySettings | None = None) -> dict[str, Any]:
    """Measure every rate (each in a fresh local cloud), then the producer."""
    s = settings or LatencySettings()
    rates = [measure_rate(rate, s, start_id=1 + n * 10_000_000) for n, rate in enumerate(s.rates)]
    router = [
        measure_rate(rate, s, start_id=1 + (len(s.rates) + n) * 10_000_000, engine="lambda")
        for n, rate in enumerate(s.router_rates)
    ]
    with BenchRuntime() as bench:
        _start_application(bench)
        producer = measure_producer(bench, s.bulk_records)
    clean = [r["rate"] for r in rates if r["ok"]]
    return {
        "settings": asdict(s),
        "rates": rates,
        "router_rates": router,
        "highest_clean_rate": max(clean) if clean else None,
        "producer": producer,
        "targets": [asdict(t) for t in latency_targets(rates, producer, s)],
    }


def latency_targets(rates: list[dict[str, Any]], producer: dict[str, Any], s: LatencySettings) -> list[Target]:
    """The issue's targets for this section."""
    out = []
    at = next((r for r in rates if r["rate"] == s.target_rate), None)
    if at is None:
        out.append(Target(f"latency: p99 at {s.target_rate:,} records/s", "not run", "≤ 500 ms", None))
    else:
        met = at["p99_ms"] <= 500 and at["ok"]
        out.append(Target(f"latency: p99 at {s.target_rate:,} records/s", f"{at['p99_ms']:.0f} ms", "≤ 500 ms", met))
    out.append(_sustained_target(next((r for r in rates if r["rate"] == s.sustained_rate), None), s))
    per_call = producer["records_per_call_mean"]
    out.append(Target("producer: records per PutRecords call", f"{per_call:.0f}", "≥ 450 of 500", per_call >= 450))
    return out


def _sustained_target(run: dict[str, Any] | None, s: LatencySettings) -> Target:
    """The sustained rate: the producer keeps it for the whole time, every record arrives (none undelivered after
    the drain, none twice, none misrouted), with a p99 from put to consumer within the bound."""
    what = f"latency: {s.sustained_rate:,} records/s sustained for {s.sustained_seconds:g} s"
    goal = f"p99 ≤ {s.sustained_p99_ms:,.0f} ms, 0 undelivered"
    if run is None:
        return Target(what, "not run", goal, None)
    kept_rate = run["achieved_rps"] >= 0.95 * s.sustained_rate
    clean = not (run["lost"] or run["duplicated"] or run["misrouted"])
    measured = f"p99 {run['p99_ms']:,.0f} ms, {run['lost']:,} undelivered, put {run['achieved_rps']:,.0f}/s"
    return Target(what, measured, goal, kept_rate and clean and run["p99_ms"] <= s.sustained_p99_ms)
