"""The latency section's targets: the p99 at the target rate, and the rate that must be sustained."""

from __future__ import annotations

from typing import Any

from fanout.bench.latency import LatencySettings, latency_targets

SETTINGS = LatencySettings(rates=(1_000, 5_000), target_rate=1_000, sustained_rate=5_000, sustained_seconds=60.0)
PRODUCER = {"records_per_call_mean": 500.0}


def _run(rate: int, **changes: Any) -> dict[str, Any]:
    run = {"rate": rate, "achieved_rps": rate, "p99_ms": 400.0, "lost": 0, "duplicated": 0, "misrouted": 0, "ok": True}
    return {**run, **changes}


def _sustained(*runs: dict[str, Any]) -> Any:
    return next(t for t in latency_targets(list(runs), PRODUCER, SETTINGS) if "sustained" in t.what)


def test_the_sustained_rate_is_met_when_every_record_arrives_within_the_bound() -> None:
    target = _sustained(_run(1_000), _run(5_000, p99_ms=700.0, achieved_rps=4_990))
    assert target.met is True
    assert target.what == "latency: 5,000 records/s sustained for 60 s"
    assert target.measured == "p99 700 ms, 0 undelivered, put 4,990/s"


def test_the_sustained_rate_fails_on_a_late_p99_an_undelivered_record_or_a_slow_producer() -> None:
    assert _sustained(_run(5_000, p99_ms=1_001.0)).met is False
    assert _sustained(_run(5_000, lost=1)).met is False
    assert _sustained(_run(5_000, duplicated=2)).met is False
    assert _sustained(_run(5_000, achieved_rps=4_700)).met is False


def test_a_sustained_rate_not_measured_says_so() -> None:
    target = _sustained(_run(1_000))
    assert target.met is None and target.measured == "not run"


def test_the_sustained_rate_is_put_for_its_own_time() -> None:
    assert SETTINGS.seconds_at(5_000) == 60.0
    assert SETTINGS.seconds_at(1_000) == SETTINGS.seconds
