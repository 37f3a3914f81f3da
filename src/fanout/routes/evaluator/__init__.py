"""The compiled route evaluator: a route script as per-record Python closures with Flink 1.20's semantics.

``Program(parse_script(sql)).execute(batch)`` routes a batch as Flink would, record by record, and raises
FlinkJobFailureError for a record on which Flink's generated code throws (so the job would fail). Types are
derived as Flink derives them (``fanout.routes.evaluator.types``), and every operation computes in its type:
Java's integer wrap-around, DECIMAL rounding and overflow to NULL, ``Double.toString``.

Modules: ``types`` (Flink's type derivation), ``expressions`` (the compiler), ``program`` (views, conditions,
routes), ``casts`` and ``sinks`` (conversions and the json/raw writers), ``jackson`` (JSON as Flink reads
it), ``java``/``javafloat``/``javautf8`` (Java's arithmetic, ``Double/Float.toString`` and UTF-8 decoding,
ported and checked against a JVM), ``binarystring`` (Flink's string functions on invalid UTF-8). A
construct whose job failures Calcite may move is a ``Hazard`` that ``fanout sql check`` reports.
"""

from __future__ import annotations

from fanout.routes.evaluator.program import FlinkJobFailureError, Program, RouteRows

__all__ = ["FlinkJobFailureError", "Program", "RouteRows"]
