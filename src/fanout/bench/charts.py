"""The two PNGs: a latency histogram and throughput by batch size (matplotlib, Agg backend, optional extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def latency_histogram(latencies: dict[int, list[float]], path: Path) -> Path | None:
    """Histogram of put→consumer milliseconds per sustained rate; None when matplotlib is missing."""
    plt = _pyplot()
    if plt is None or not any(latencies.values()):
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    low = max(1.0, min(min(values) for values in latencies.values() if values))
    top = max(max(values) for values in latencies.values() if values)
    bins = [low * (top / low) ** (i / 60) for i in range(61)]  # log-spaced: rates differ by orders of magnitude
    for rate, values in latencies.items():
        if values:
            ax.hist(values, bins=bins, histtype="step", linewidth=1.6, label=f"{rate:,} records/s ({len(values):,})")
    ax.axvline(500, color="grey", linestyle="--", linewidth=1)
    ax.text(505, ax.get_ylim()[1] * 0.9, "p99 target at 1,000/s", color="grey", fontsize=8)
    ax.set(xlabel="put → consumer handler (ms, log scale)", ylabel="records")
    ax.set_title("End-to-end latency, offline runtime")
    ax.set_xscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def throughput_chart(rows: list[dict[str, Any]], path: Path) -> Path | None:
    """Records/s of the executor and both baselines by batch size; None when matplotlib is missing."""
    plt = _pyplot()
    if plt is None or not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    sizes = [row["batch"] for row in rows]
    for key, label, style in (
        ("executor_rps", "route evaluator (the engines' executor)", "o-"),
        ("duckdb_rps", "DuckDB executor (comparison, 1 thread)", "d-."),
        ("floor_rps", "JSON floor (orjson loop, no routing)", "s--"),
        ("naive_rps", "naive router (json + if/else)", "^:"),
        ("orjson_router_rps", "orjson router (no Flink semantics: the Python ceiling)", "v:"),
    ):
        if all(key in row for row in rows):
            ax.plot(sizes, [row[key] for row in rows], style, label=label)
    ax.set(xscale="log", xlabel="records per batch", ylabel="records/s", title="Routing throughput on one core")
    ax.set_xticks(sizes, [f"{size:,}" for size in sizes])
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
