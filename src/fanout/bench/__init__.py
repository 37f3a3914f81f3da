"""The benchmark: route throughput against same-run baselines, end-to-end latency, producer and lifecycle
efficiency, Lambda footprint; a results JSON, two charts and a Markdown table with every target.

Example:
    >>> from fanout.bench import BenchSettings, run_bench
    >>> results = run_bench(Path("."), BenchSettings.tiny(), output=Path("/tmp/bench"))
    >>> results["ok"], results["markdown"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fanout.bench.exceptions import BenchError, BenchOutputError, BenchTimeoutError, UnknownSectionError
from fanout.bench.sections import SECTIONS, check_sections

if TYPE_CHECKING:
    from fanout.bench.runner import BenchSettings, run_bench

__all__ = [
    "SECTIONS",
    "BenchError",
    "BenchOutputError",
    "BenchSettings",
    "BenchTimeoutError",
    "UnknownSectionError",
    "check_sections",
    "run_bench",
]


def __getattr__(name: str) -> Any:
    """BenchSettings and run_bench load the runner, and with it the offline runtime (the ``local`` extra)."""
    if name in ("BenchSettings", "run_bench"):
        from fanout.bench import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
