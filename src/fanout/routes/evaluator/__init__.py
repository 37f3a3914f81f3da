"""The compiled route evaluator: a route script as per-record Python closures with Flink 1.20's semantics.

``Program(parse_script(sql)).execute(batch)`` routes a batch as Flink would, record by record, and raises
FlinkJobFailureError for a record on which Flink's generated code throws (so the job would fail). Types are
derived as Flink derives them (``fanout.routes.evaluator.types``), and every operation computes in its type:
Java's integer wrap-around, DECIMAL rounding and overflow to NULL, ``Double.toString``.
"""

from __future__ import annotations

from fanout.routes.evaluator.program import FlinkJobFailureError, Program, RouteRows

__all__ = ["FlinkJobFailureError", "Program", "RouteRows"]
