"""The benchmark: route throughput against same-run baselines, end-to-end latency, producer and lifecycle
efficiency, Lambda footprint; a results JSON, two charts and a Markdown table with every target.

Example:
    >>> from fanout.bench import BenchSettings, run_bench
    >>> results = run_bench(Path("."), BenchSettings.tiny(), output=Path("/tmp/bench"))
    >>> results["ok"], results["markdown"]
"""

from __future__ import annotations

from fanout.bench.exceptions import BenchError, BenchOutputError, BenchTimeoutError, UnknownSectionError
from fanout.bench.runner import SECTIONS, BenchSettings, check_sections, run_bench

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
