"""Run every route of a Flink SQL script over a batch of raw records, on DuckDB, vectorised.

Example:
    >>> executor = RouteExecutor.from_sql(Path("sql/fanout.sql").read_text())
    >>> executor.execute([b'{"id":1,"username":"ann","amount":12.5}', b"oops"])
    {'positive_transactions': [(0, b'{"id":1,"username":"ann","amount":12.50}')],
     'negative_transactions': [], 'rejected_transactions': [(1, b'oops')]}
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from fanout.routes.evaluator import Program
from fanout.routes.exceptions import RouteExecutionError
from fanout.routes.parser import RouteScript, TableDef, parse_script
from fanout.routes.plan import BATCH, QueryPlan, build_plan
from fanout.routes.translate import BINARY_TYPES, TEXT_SUFFIX
from fanout.runtimes import DEFAULT_RUNTIME, FLINK_1_20

RouteRows = dict[str, list[tuple[int, bytes]]]
# Up to this many records, fetching Python rows beats the fixed cost of an Arrow result (~0.4 ms).
SMALL_BATCH = 1_000
# The planned query is prepared once under this name, over BATCH (a registered _BatchSource).
STATEMENT = "fanout_routes"


class _BatchSource:
    """The batch DuckDB scans: registered once, so the prepared query never rebinds; only its table changes."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.table.__arrow_c_stream__(requested_schema)


class RouteExecutor:
    """Routes batches as Flink does (1.20 unless ``runtime`` says FLINK-2_2): the compiled evaluator
    (``fanout.routes.evaluator``) by default.

    ``engine="duckdb"`` runs the vectorised DuckDB plan instead (DuckDBExecutor): it is proven against Flink
    for the project's own scripts and the parity corpus only, so it serves benchmarks and comparisons.
    """

    def __init__(
        self, script: RouteScript, threads: int = 1, engine: str = "evaluator", runtime: str = DEFAULT_RUNTIME
    ) -> None:
        if engine not in ("evaluator", "duckdb"):
            raise ValueError(f"unknown engine {engine!r}")
        if engine == "duckdb" and runtime != FLINK_1_20:
            raise ValueError("the DuckDB executor emulates Flink 1.20 only")
        self.program = Program(script, runtime)
        self.engine = engine
        self._duckdb = DuckDBExecutor(build_plan(script), threads) if engine == "duckdb" else None

    @classmethod
    def from_sql(
        cls, sql: str, threads: int = 1, engine: str = "evaluator", runtime: str = DEFAULT_RUNTIME
    ) -> RouteExecutor:
        """Parse and compile ``sql`` for ``runtime`` (placeholders may stay unresolved: connector options are not
        used)."""
        return cls(parse_script(sql), threads, engine, runtime)

    @property
    def sinks(self) -> tuple[str, ...]:
        """The sink tables, one per INSERT, in script order."""
        return self.program.sinks

    @property
    def source(self) -> TableDef:
        """The source table the routes read."""
        return self.program.source

    def execute(self, batch: Sequence[bytes], failures: dict[int, str] | None = None) -> RouteRows:
        """Route ``batch``: for each sink, (input index, output payload bytes) in input order.

        A record on which Flink would fail the job raises FlinkJobFailureError (a RouteExecutionError), unless
        ``failures`` is given: then its reason is stored there under its index and the other records are routed.
        """
        if self._duckdb is not None:
            return self._duckdb.execute(batch)
        return self.program.execute(batch, failures)


class DuckDBExecutor:
    """Holds one DuckDB connection and the planned query; ``execute`` routes a batch.

    Not thread-safe by design of DuckDB connections: calls are serialised with a lock.
    """

    def __init__(self, plan: QueryPlan, threads: int = 1) -> None:
        self.plan = plan
        self._lock = threading.Lock()
        self._con = duckdb.connect(config={"threads": threads})
        self._index = pa.array(range(16_384), pa.int32())
        column = plan.source.columns[0]
        self._column = column.name
        self._binary = column.dtype.this in BINARY_TYPES
        names = ["__i", *(sink.mask for sink in plan.sinks), *(sink.output for sink in plan.sinks if sink.output)]
        self._positions = {name: position for position, name in enumerate(dict.fromkeys(names))}
        self._empty = self._table([])
        self._source = _BatchSource(self._empty)
        self._prepare()  # bind the query now: a planning error fails fast

    @classmethod
    def from_sql(cls, sql: str, threads: int = 1) -> DuckDBExecutor:
        """Parse and plan ``sql`` (placeholders may stay unresolved: connector options are not used)."""
        return cls(build_plan(parse_script(sql)), threads)

    @property
    def sinks(self) -> tuple[str, ...]:
        """The sink tables, one per INSERT, in script order."""
        return tuple(sink.name for sink in self.plan.sinks)

    def execute(self, batch: Sequence[bytes]) -> RouteRows:
        """Route ``batch``: for each sink, (input index, output payload bytes) in input order."""
        if not batch:
            return {sink.name: [] for sink in self.plan.sinks}
        table = self._table(batch)
        if len(batch) <= SMALL_BATCH:
            return self._split_rows(batch, self._run(table, arrow=False))
        return self._split_arrow(batch, self._run(table, arrow=True))

    def _split_arrow(self, batch: Sequence[bytes], result: pa.Table) -> RouteRows:
        index = result.column("__i")
        rows: RouteRows = {}
        for sink in self.plan.sinks:
            mask = result.column(sink.mask)
            chosen = pc.filter(index, mask).to_pylist()
            if sink.output is None:
                payloads = list(itemgetter(*chosen)(batch)) if len(chosen) > 1 else [batch[i] for i in chosen]
            else:
                payloads = pc.filter(result.column(sink.output), mask).cast(pa.binary()).to_pylist()
            rows.setdefault(sink.name, []).extend(zip(chosen, payloads, strict=True))
        return rows

    def _split_rows(self, batch: Sequence[bytes], result: list[tuple]) -> RouteRows:
        rows: RouteRows = {}
        for sink in self.plan.sinks:
            mask = self._positions[sink.mask]
            if sink.output is None:
                chosen = [(row[0], batch[row[0]]) for row in result if row[mask]]
            else:
                out = self._positions[sink.output]
                if sink.binary:
                    chosen = [(row[0], row[out]) for row in result if row[mask]]
                else:
                    chosen = [(row[0], row[out].encode()) for row in result if row[mask]]
            rows.setdefault(sink.name, []).extend(chosen)
        return rows

    def _table(self, batch: Sequence[bytes]) -> pa.Table:
        if len(batch) > len(self._index):
            self._index = pa.array(range(2 * len(batch)), pa.int32())
        raw = pa.array(batch, pa.binary())
        try:
            text = raw.cast(pa.string())
        except pa.ArrowInvalid:  # not UTF-8: decode like Flink, with U+FFFD for malformed sequences
            text = pa.array([record.decode("utf-8", "replace") for record in batch], pa.string())
        columns = {"__i": self._index.slice(0, len(batch))}
        if self._binary:
            columns[self._column] = raw
            columns[self._column + TEXT_SUFFIX] = text
        else:
            columns[self._column] = text
        return pa.table(columns)

    def _prepare(self) -> None:
        # Prepared with DuckDB's optimizer on, the statement is bound, optimized and planned again on every
        # EXECUTE (~7 ms for the reference script, whatever the batch size); prepared with it off, EXECUTE
        # reuses the plan. The plan (fanout.routes.plan) is written to need no optimizer: each value is computed
        # once, in the layer that first needs it.
        try:
            self._con.register(BATCH, self._source)
            self._con.execute("SET enable_optimizer = false")
            self._con.execute(f"PREPARE {STATEMENT} AS {self.plan.sql}")
        except duckdb.Error as exc:
            raise RouteExecutionError(f"routes cannot be planned: {exc}") from exc

    def _run(self, table: pa.Table, arrow: bool) -> Any:
        # Parsing, binding and planning happen once (PREPARE); per batch, only the scanned table changes.
        with self._lock:
            try:
                self._source.table = table
                cursor = self._con.execute(f"EXECUTE {STATEMENT}")
                if not arrow:
                    return cursor.fetchall()
                with warnings.catch_warnings():  # "extra copy" notice: still cheaper than con.sql() here
                    warnings.simplefilter("ignore")
                    return cursor.to_arrow_table()
            except duckdb.Error as exc:
                raise RouteExecutionError(f"routes failed on this batch: {exc}") from exc
            finally:
                self._source.table = self._empty  # do not keep the batch alive
