"""Routes: the fan-out's Flink SQL (``sql/fanout.sql``), parsed with sqlglot and run locally on DuckDB.

``RouteExecutor.from_sql(sql).execute(batch)`` runs every INSERT of a Flink SQL script over a batch of
raw records in one vectorised DuckDB query, and returns for each sink the (input index, payload bytes)
pairs in input order, the bytes being what Flink's ``json`` or ``raw`` format would write.

Supported subset (anything else raises UnsupportedConstructError naming the construct):
    * ``CREATE TABLE name (cols) WITH ('k' = 'v', ...)``: one source with ``format = 'raw'`` and one
      STRING or BYTES column; sinks with ``format = 'json'`` (INT types, BOOLEAN, DECIMAL with scale
      <= 6, STRING/VARCHAR, BYTES) or ``'raw'`` (one STRING or BYTES column). Connector options are
      kept but unused; ``${name}`` placeholders may stay unresolved (see ``placeholders.substitute``).
    * ``CREATE [TEMPORARY] VIEW v AS SELECT ... FROM <source or view> [WHERE ...]`` (views over views).
    * ``INSERT INTO sink [(cols)] SELECT ... FROM <source or view> [WHERE ...]``, one route each; a
      record may match any number of routes. ``SET`` statements are ignored.
    * Expressions: projection (``*``, aliases), filters, AND/OR/NOT, comparisons, BETWEEN, IN, LIKE,
      IS [NOT] NULL, arithmetic (+ - * / %, integer division for integer operands), CASE, IF, COALESCE,
      NULLIF, CAST, TRY_CAST, ``||``, CHAR_LENGTH, UPPER, LOWER, SUBSTRING, TRIM, REPLACE, POSITION,
      ABS, ROUND, FLOOR, CEIL, ``JSON_VALUE(s, 'lax path' [RETURNING STRING|BOOLEAN|INT|DOUBLE]
      [NULL ON EMPTY] [NULL ON ERROR])`` and ``s IS [NOT] JSON [VALUE|OBJECT|ARRAY|SCALAR]``.
    * Not supported: joins, aggregates and GROUP BY, windows (OVER, TUMBLE/HOP/CUMULATE/SESSION),
      MATCH_RECOGNIZE, WATERMARK, ORDER BY, LIMIT, DISTINCT, UNION, subqueries, UDFs, metadata columns.

Flink 1.20 semantics kept (the parity suite in ``tests/parity`` checks them against real Flink):
    * NULL logic (a NULL amount matches neither ``>= 0`` nor ``< 0``); IS JSON is never NULL.
    * JSON_VALUE is NULL for a missing key, a JSON null, an object/array or malformed JSON. It reads the
      first JSON value of the text (trailing text is ignored) and the last of duplicate keys, decodes
      ``\\uXXXX`` escapes including surrogate pairs, and renders JSON floats as Java's
      ``Double.toString`` (``1e3`` -> ``1000.0``, ``0.0001`` -> ``1.0E-4``, ``1e400`` -> ``Infinity``).
    * TRY_CAST is NULL on bad input while CAST fails the batch (RouteExecutionError, as Flink fails the
      job). String to DECIMAL rounds HALF_UP, is NULL beyond the precision, and keeps a value that the
      rounding carries to 10^(p-s); string to integer drops a fraction ('12.7' -> 12) and is NULL for
      scientific notation.
    * The ``json`` sink writes DECIMAL as Jackson writes ``BigDecimal.stripTrailingZeros()``
      (``12.50`` -> ``12.5``, ``100.00`` -> ``1E+2``); BYTES decode as UTF-8 with U+FFFD for malformed
      sequences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fanout.routes.exceptions import (
    MissingPropertyError,
    RouteError,
    RouteExecutionError,
    SqlSyntaxError,
    UnknownPlaceholderError,
    UnknownRelationError,
    UnsupportedConstructError,
    UnsupportedFormatError,
)
from fanout.routes.parser import RouteScript, parse_script
from fanout.routes.placeholders import RUNTIME_PROPERTIES, find_placeholders, substitute

if TYPE_CHECKING:
    from fanout.routes.executor import RouteExecutor, RouteRows


def __getattr__(name: str) -> Any:
    """RouteExecutor and RouteRows on first use: the executor imports DuckDB and pyarrow, which the router
    Lambda (``fanout.router``, over ``fanout.routes.evaluator``) does not ship."""
    if name in ("RouteExecutor", "RouteRows"):
        from fanout.routes import executor

        return getattr(executor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RUNTIME_PROPERTIES",
    "MissingPropertyError",
    "RouteError",
    "RouteExecutionError",
    "RouteExecutor",
    "RouteRows",
    "RouteScript",
    "SqlSyntaxError",
    "UnknownPlaceholderError",
    "UnknownRelationError",
    "UnsupportedConstructError",
    "UnsupportedFormatError",
    "find_placeholders",
    "parse_script",
    "substitute",
]
