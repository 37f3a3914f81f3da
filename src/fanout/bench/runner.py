"""Run the benchmark sections, then write the results JSON, the charts and the Markdown table."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fanout.bench import charts
from fanout.bench.footprint import FootprintSettings, run_footprint
from fanout.bench.latency import LatencySettings, run_latency
from fanout.bench.lifecycle import LifecycleSettings, run_lifecycle
from fanout.bench.offline import BenchRuntime
from fanout.bench.report import machine, markdown, revision, write_json, write_markdown
from fanout.bench.sections import check_sections
from fanout.bench.throughput import ExecutorFactory, ThroughputSettings, run_throughput
from fanout.lifecycle.status import ExecutionStatus

Emit = Callable[[str], None]


@dataclass(frozen=True)
class BenchSettings:
    """Every section's settings; ``quick()`` is the tiny run the test suite uses."""

    throughput: ThroughputSettings = field(default_factory=ThroughputSettings)
    latency: LatencySettings = field(default_factory=LatencySettings)
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)
    footprint: FootprintSettings = field(default_factory=FootprintSettings)
    quick: bool = False

    @classmethod
    def tiny(cls) -> BenchSettings:
        """Tiny sizes: proves the benchmark runs and checks, not how fast anything is."""
        return cls(
            throughput=ThroughputSettings(batch_sizes=(100, 500), records=2_000, seconds=0.05, repeats=1),
            latency=LatencySettings(
                rates=(100,),
                router_rates=(100,),
                seconds=2.0,
                drain_seconds=20.0,
                bulk_records=1_000,
                target_rate=100,
                sustained_rate=100,
                sustained_seconds=2.0,
            ),
            lifecycle=LifecycleSettings(window_seconds=1),
            footprint=FootprintSettings(build=False, imports=1),
            quick=True,
        )


def _offline(root: Path, s: BenchSettings, chosen: tuple[str, ...], emit: Emit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "lifecycle" in chosen:
        emit("lifecycle: one run window through the real state machine")
        with BenchRuntime() as bench:
            out["lifecycle"] = run_lifecycle(bench, root / "template.yaml", s.lifecycle)
    if "latency" in chosen:
        router = f"; Lambda engine: {', '.join(map(str, s.latency.router_rates))}" if s.latency.router_rates else ""
        emit(f"latency: {', '.join(map(str, s.latency.rates))} records/s{router}, {s.latency.seconds:g} s each")
        out["latency"] = run_latency(s.latency)
    return out


def run_bench(
    root: Path,
    settings: BenchSettings | None = None,
    sections: Iterable[str] = (),
    output: Path | None = None,
    emit: Emit | None = None,
    factory: ExecutorFactory | None = None,
) -> dict[str, Any]:
    """Run the chosen sections (default all) of the benchmark for the project at ``root``.

    Writes ``<output>/<date>.json`` and the charts when ``output`` is given; ``results["ok"]`` is False when a
    correctness check failed (a wrong routing, a misrouted or duplicated record), never for a missed speed target.

    Example:
        >>> results = run_bench(Path("."), BenchSettings.tiny(), ["throughput"])
        >>> print(results["markdown"])
    """
    s = settings or BenchSettings()
    say = emit or (lambda message: None)
    chosen = check_sections(sections)
    began = time.monotonic()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "mode": "quick" if s.quick else "full",
        "revision": revision(root),
        "machine": machine(),
        "sections": {},
    }
    if "throughput" in chosen:
        say("throughput: route executor vs JSON floor vs naive router")
        results["sections"]["throughput"] = run_throughput(
            (root / "sql" / "fanout.sql").read_text(), s.throughput, factory
        )
    if {"lifecycle", "latency"} & set(chosen):
        results["sections"].update(_offline(root, s, chosen, say))
    if "footprint" in chosen:
        say("footprint: sam build, package sizes, cold imports")
        results["sections"]["footprint"] = run_footprint(root, s.footprint)
    results["seconds"] = round(time.monotonic() - began)
    latency = results["sections"].get("latency", {})
    latencies = {r["rate"]: r.pop("latencies_ms") for r in latency.get("rates", [])}
    for r in latency.get("router_rates", []):
        r.pop("latencies_ms")  # the histogram is the Flink engine's; the table has the router's quantiles
    results["ok"] = _correct(results["sections"])
    results["markdown"] = markdown(results)
    if output is not None:
        suffix = "-quick" if s.quick else ""
        results["files"] = [str(p) for p in _write(results, latencies, output, suffix)]
    return results


def _correct(sections: dict[str, Any]) -> bool:
    throughput = sections.get("throughput", {}).get("correct", True)
    rates = [*sections.get("latency", {}).get("rates", []), *sections.get("latency", {}).get("router_rates", [])]
    # A record lost at a rate the local cloud cannot sustain is reported per rate; a wrong route never is.
    clean = all(not (r["duplicated"] or r["misrouted"]) for r in rates)
    lifecycle = (
        sections.get("lifecycle", {}).get("execution_status", ExecutionStatus.SUCCEEDED) == ExecutionStatus.SUCCEEDED
    )
    return bool(throughput and clean and lifecycle)


def _write(results: dict[str, Any], latencies: dict[int, list[float]], output: Path, suffix: str) -> list[Path]:
    written = [write_json(results, output)]
    if suffix:
        written[0] = written[0].rename(written[0].with_name(f"{results['date']}{suffix}.json"))
    written.append(write_markdown(results, output / f"LATEST{suffix}.md", suffix))
    rows = results["sections"].get("throughput", {}).get("rows", [])
    for made in (
        charts.throughput_chart(rows, output / f"throughput-by-batch{suffix}.png"),
        charts.latency_histogram(latencies, output / f"latency-histogram{suffix}.png"),
    ):
        if made is not None:
            written.append(made)
    return written
