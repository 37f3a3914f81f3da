"""Write the Flink SQL for a legacy application, in the style of ``sql/fanout.sql``.

Layout: a raw BYTES source on the input stream; a view with each schema column's JSON text; a view
named after the legacy input stream (``source_sql_stream_001``) with typed columns and ``is_valid``
(false where the legacy application sent the record to its error stream); one sink table per
in-application stream with a pump (``format = 'json'``); one INSERT per pump; and a rejected route
(raw bytes) for every record that is not valid or that no pump takes, so nothing is lost.

Example:
    >>> print(migrate_sql(legacy_sql, load_input_schema(schema_json)))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from sqlglot import exp, generator, tokens
from sqlglot.dialects.dialect import Dialect

from fanout.migrate.exceptions import UnknownLegacyNameError, UntranslatableConstructError
from fanout.migrate.legacy import LegacyApp, LegacyColumn, Pump, legacy_name, parse_legacy
from fanout.migrate.schema import InputSchema
from fanout.routes.reserved import is_reserved

# Expression nodes whose legacy and Flink semantics agree (NULL logic, comparisons, string functions).
# Division is left out on purpose: legacy sent a division by zero to error_stream, Flink fails the job.
TRANSLATABLE = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.And, exp.Or, exp.Not, exp.Neg,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.Between, exp.In, exp.Like, exp.Add, exp.Sub,
    exp.Mul, exp.Case, exp.If, exp.Upper, exp.Lower, exp.Length, exp.Abs, exp.Coalesce,
)  # fmt: skip
RESERVED = {"payload", "is_object", "is_valid"}
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
# Keywords that Flink does not reserve (fanout.routes.reserved covers those) but which read better quoted.
_QUOTED_KEYWORDS = {"asc", "desc", "key"}


class _FlinkOut(Dialect):
    """Renders expressions as Flink SQL: backtick identifiers, CHAR_LENGTH."""

    class Tokenizer(tokens.Tokenizer):
        """Backtick identifiers."""

        IDENTIFIERS: ClassVar[list[str | tuple[str, str]]] = ["`"]

    class Generator(generator.Generator):
        """CHAR_LENGTH, as Flink spells LENGTH."""

        TRANSFORMS: ClassVar[dict] = {
            **generator.Generator.TRANSFORMS,
            exp.Length: lambda self, e: self.func("CHAR_LENGTH", e.this),
        }


@dataclass(frozen=True)
class MigrationOptions:
    """Names the generated script uses; ``command`` is recorded in its header."""

    sink_properties: Mapping[str, str] = field(default_factory=dict)  # legacy stream -> runtime property
    rejected_table: str = "rejected_records"
    rejected_property: str = "rejected.stream.arn"
    input_property: str = "input.stream.arn"
    command: str = "fanout sql migrate"


def ident(name: str) -> str:
    """A Flink identifier: plain when safe, else in backticks (every reserved word of Flink's parser included)."""
    return name if _PLAIN.match(name) and name not in _QUOTED_KEYWORDS and not is_reserved(name) else f"`{name}`"


def migrate_sql(legacy_sql: str, schema: InputSchema, options: MigrationOptions | None = None) -> str:
    """Translate ``legacy_sql`` (streams and pumps over ``schema``) into a Flink SQL script for fanout."""
    options = options or MigrationOptions()
    app = parse_legacy(legacy_sql)
    _check_names(app, schema, options)
    routes = [_route(pump, app, schema) for pump in app.pumps]
    if not routes:
        raise UntranslatableConstructError("application without a pump", None, "nothing to route")
    return _Writer(app, schema, options, routes).script()


def _check_names(app: LegacyApp, schema: InputSchema, options: MigrationOptions) -> None:
    for column in schema.columns:
        if column.flink_name in RESERVED:
            raise UnknownLegacyNameError(
                f"input column {column.name} clashes with generated column {column.flink_name}"
            )
    source = schema.name_prefix.lower()
    generated = {source, f"{source}_text", schema.stream_name.lower(), options.rejected_table}
    for stream in app.streams:
        if stream.lower() in generated:
            raise UnknownLegacyNameError(f"in-application stream {stream} clashes with a generated table")
    unknown = sorted(set(options.sink_properties) - set(app.streams))
    if unknown:
        raise UnknownLegacyNameError(f"--sink-property for unknown streams: {', '.join(unknown)}")


@dataclass(frozen=True)
class Route:
    """One pump, translated: its sink, projection and condition as Flink SQL text."""

    pump: Pump
    sink: str
    select: list[str]
    condition: str | None


def _route(pump: Pump, app: LegacyApp, schema: InputSchema) -> Route:
    query = pump.query
    extra = [key for key, value in query.args.items() if value and key not in ("expressions", "from_", "where")]
    if extra:
        raise UntranslatableConstructError(extra[0].upper().rstrip("_"), pump.line, f"in pump {pump.name}")
    relation = query.args["from_"].this if query.args.get("from_") else None
    if not isinstance(relation, exp.Table) or relation.args.get("joins"):
        raise UntranslatableConstructError("FROM other than one stream", pump.line, f"in pump {pump.name}")
    source = legacy_name(relation.this)
    if source in app.streams:
        raise UntranslatableConstructError(f"pump {pump.name} reading in-application stream {source}", pump.line,
                                           "chained pumps; only pumps from the input stream")  # fmt: skip
    if source != schema.stream_name:
        raise UnknownLegacyNameError(f"pump {pump.name} reads {source!r}, not the input stream {schema.stream_name}")
    if pump.target not in app.streams:
        raise UnknownLegacyNameError(f"pump {pump.name} inserts into undeclared stream {pump.target!r}")
    alias = legacy_name(relation.args["alias"].this) if relation.args.get("alias") else source
    sink_columns = app.streams[pump.target]
    values = _projection(pump, schema, alias)
    names = pump.columns or tuple(column.name for column in sink_columns)
    if len(names) != len(values) or set(names) != {column.name for column in sink_columns}:
        detail = f"{len(values)} values for the {len(sink_columns)} columns of {pump.target}"
        raise UntranslatableConstructError(f"pump {pump.name} column list", pump.line, detail)
    by_name = dict(zip(names, values, strict=True))
    select = [_select_item(by_name[column.name], column, schema, alias, pump) for column in sink_columns]
    where = query.args.get("where")
    condition = _expression(where.this, schema, alias, pump) if where is not None else None
    return Route(pump, pump.target.lower(), select, condition)


def _projection(pump: Pump, schema: InputSchema, alias: str) -> list[exp.Expr]:
    values: list[exp.Expr] = []
    for item in pump.query.expressions:
        if isinstance(item, exp.Star):
            values += [exp.column(exp.to_identifier(c.name, quoted=True)) for c in schema.columns]
        elif isinstance(item.unalias(), exp.Column):
            values.append(item.unalias())
        else:
            raise UntranslatableConstructError(f"expression {item.sql()!r} in the SELECT list", pump.line,
                                               "pumps that select columns only; filter in WHERE")  # fmt: skip
    return values


def _resolve(column: exp.Column, schema: InputSchema, alias: str, pump: Pump) -> str:
    table = column.args.get("table")
    if table is not None and legacy_name(table) not in (alias, schema.stream_name):
        raise UnknownLegacyNameError(f"pump {pump.name}: column {column.sql()} of unknown stream {table.name}")
    found = schema.column(legacy_name(column.this))
    if found is None:
        known = ", ".join(c.name for c in schema.columns)
        raise UnknownLegacyNameError(
            f"pump {pump.name} (line {pump.line}): unknown column {column.sql()}; known: {known}"
        )
    return found.name


def _select_item(value: exp.Expr, column: LegacyColumn, schema: InputSchema, alias: str, pump: Pump) -> str:
    assert isinstance(value, exp.Column)
    source = schema.column(_resolve(value, schema, alias, pump))
    assert source is not None
    wider = source.type.kind == column.type.kind == "varchar" and (source.type.length or 0) <= (column.type.length or 0)
    same = wider or (source.type.kind, source.type.flink) == (column.type.kind, column.type.flink)
    if not same:
        raise UntranslatableConstructError(
            f"{source.name} ({source.type.legacy}) into {pump.target}.{column.name} ({column.type.legacy})",
            pump.line,
            "an implicit conversion; declare the stream column with the input column's type",
        )
    name = ident(source.flink_name)
    return name if source.flink_name == column.name.lower() else f"{name} AS {ident(column.name.lower())}"


def _expression(node: exp.Expr, schema: InputSchema, alias: str, pump: Pump) -> str:
    for sub in node.walk():
        if isinstance(sub, exp.Func) and not isinstance(sub, TRANSLATABLE):
            name = sub.sql_name() if not isinstance(sub, exp.Anonymous) else sub.name.upper()
            raise UntranslatableConstructError(f"function {name}", _line(sub, pump), f"in pump {pump.name}")
        if not isinstance(sub, TRANSLATABLE):
            raise UntranslatableConstructError(sub.key.upper(), _line(sub, pump), f"in pump {pump.name}")

    def rename(sub: exp.Expr) -> exp.Expr:
        if isinstance(sub, exp.Column):
            found = schema.column(_resolve(sub, schema, alias, pump))
            assert found is not None
            return exp.column(exp.to_identifier(found.flink_name, quoted=ident(found.flink_name) != found.flink_name))
        return sub

    return node.transform(rename, copy=True).sql(dialect=_FlinkOut)


def _line(node: exp.Expr, pump: Pump) -> int:
    for sub in node.walk():
        line = sub.meta.get("line") if isinstance(sub, exp.Identifier | exp.Literal | exp.Func) else None
        if line:
            return int(line)
    return pump.line


class _Writer:
    """Assembles the script text."""

    def __init__(self, app: LegacyApp, schema: InputSchema, options: MigrationOptions, routes: list[Route]) -> None:
        self.app, self.schema, self.options, self.routes = app, schema, options, routes
        self.source = schema.name_prefix.lower()
        self.stream = schema.stream_name.lower()

    def script(self) -> str:
        parts = [self._header(), self._source(), *self._sinks(), self._views(), *self._inserts()]
        return "\n\n".join(parts) + "\n"

    def _property(self, stream: str) -> str:
        return self.options.sink_properties.get(stream, f"{stream.lower()}.stream.arn")

    def _header(self) -> str:
        columns = ", ".join(f"{c.name} {c.type.legacy} at {c.mapping}" for c in self.schema.columns)
        pumps = "; ".join(f"{r.pump.name} -> {r.sink}" for r in self.routes)
        unused = [name for name in self.app.streams if name not in {r.pump.target for r in self.routes}]
        lines = [
            f"-- Migrated from Kinesis Data Analytics for SQL by: {self.options.command}",
            "-- Runs on Managed Service for Apache Flink (FLINK-1_20) and offline through fanout.routes.RouteExecutor;",
            '-- the ${...} placeholders are runtime properties of property group "fanout".',
            "--",
            f"-- Input schema ({self.schema.stream_name}): {columns}.",
            f"-- Pumps: {pumps}.",
            *(f"-- In-application stream {name} has no pump: not migrated." for name in unused),
            "--",
            "-- Semantics kept from the legacy application:",
            "--   * A record the legacy application could not map to the input schema went to its error_stream:",
            "--     not a JSON object, or a column whose value does not convert to its type (a non-numeric string,",
            "--     a number beyond the DECIMAL precision such as 1234.5 in DECIMAL(5, 2), a fraction in an integer",
            "--     column). Here is_valid is false for it, and the rejected route takes its original bytes.",
            "--   * A missing key or a JSON null is a NULL column, as in the legacy mapping. A record that no pump",
            "--     takes (for example a NULL amount, which matches neither >= 0 nor < 0) was dropped by the",
            "--     legacy application; here the rejected route takes it too, so no record is lost.",
            "--   * VARCHAR(n) values longer than n are truncated to n characters, as the legacy mapping did.",
            "--   * Numbers with more decimals than the DECIMAL scale are rounded HALF_UP; one that rounds up to",
            "--     the precision's limit (999.995 in DECIMAL(5, 2)) overflowed in the legacy mapping: rejected here.",
            "-- Known differences (these records are rejected here, never misrouted): true/false in a numeric",
            "-- column (legacy read 1/0); an object or array in a VARCHAR column reads as NULL here (legacy kept",
            "-- its JSON text).",
        ]
        return "\n".join(lines)

    def _table(self, name: str, columns: list[str], prop: str, extra: tuple[str, ...] = (), fmt: str = "json") -> str:
        options = [
            "'connector' = 'kinesis'",
            f"'stream.arn' = '${{{prop}}}'",
            "'aws.region' = '${aws.region}'",
            *extra,
            f"'format' = '{fmt}'",
        ]
        body = ",\n".join(f"    {column}" for column in columns)
        return f"CREATE TABLE {ident(name)} (\n{body}\n) WITH (\n" + ",\n".join(f"    {o}" for o in options) + "\n);"

    def _source(self) -> str:
        extra = (
            "'source.init.position' = '${source.init.position}'",
            "'source.init.timestamp' = '${source.init.timestamp}'",
        )
        return self._table(self.source, ["payload BYTES"], self.options.input_property, extra, "raw")

    def _sinks(self) -> list[str]:
        sinks = []
        for stream in dict.fromkeys(r.pump.target for r in self.routes):
            columns = [f"{ident(c.name.lower())} {c.type.flink}" for c in self.app.streams[stream]]
            sinks.append(self._table(stream.lower(), columns, self._property(stream)))
        options = self.options
        rejected = self._table(options.rejected_table, ["payload BYTES"], options.rejected_property, fmt="raw")
        return [*sinks, rejected]

    def _views(self) -> str:
        text = [
            "    payload",
            "    CAST(payload AS STRING) IS JSON OBJECT AS is_object",
            *(
                f"    JSON_VALUE(CAST(payload AS STRING), '{c.mapping}') AS {ident(c.flink_name + '_text')}"
                for c in self.schema.columns
            ),
        ]
        checks, typed = ["is_object"], []
        for c in self.schema.columns:
            raw = ident(c.flink_name + "_text")
            if c.type.kind == "varchar":
                typed.append(f"    SUBSTRING({raw} FROM 1 FOR {c.type.length}) AS {ident(c.flink_name)}")
                continue
            cast = f"TRY_CAST({raw} AS {c.type.cast})"
            typed.append(f"    {cast} AS {ident(c.flink_name)}")
            extra = f" AND POSITION('.' IN {raw}) = 0" if c.type.kind == "integer" else ""
            guard = c.type.overflow_guard
            if guard is not None:
                extra = f" AND ABS(TRY_CAST({raw} AS {guard[0]})) < {guard[1]}"
            checks.append(f"({raw} IS NULL OR ({cast} IS NOT NULL{extra}))")
        valid = "\n        AND ".join(checks)
        first = (
            "-- Parse once. JSON_VALUE is NULL for a missing key, a JSON null, an object or array, or malformed JSON.\n"
            f"CREATE TEMPORARY VIEW {ident(self.source + '_text')} AS\nSELECT\n"
            + ",\n".join(text)
            + f"\nFROM {ident(self.source)};"
        )
        second = (
            f"-- {self.schema.stream_name} of the legacy application: typed columns, and is_valid (false where the\n"
            "-- legacy application sent the record to error_stream).\n"
            f"CREATE TEMPORARY VIEW {ident(self.stream)} AS\nSELECT\n    payload,\n    {valid} AS is_valid,\n"
            + ",\n".join(typed)
            + f"\nFROM {ident(self.source + '_text')};"
        )
        return first + "\n\n" + second

    def _inserts(self) -> list[str]:
        inserts = []
        for route in self.routes:
            where = "is_valid" + (f" AND ({route.condition})" if route.condition else "")
            inserts.append(
                f"-- {route.pump.name}\nINSERT INTO {ident(route.sink)}\nSELECT {', '.join(route.select)}\n"
                f"FROM {ident(self.stream)}\nWHERE {where};"
            )
        taken = [f"COALESCE({r.condition}, FALSE)" for r in self.routes if r.condition]
        unrouted = "" if len(taken) < len(self.routes) else "\n   OR NOT (" + "\n        OR ".join(taken) + ")"
        inserts.append(
            "-- Everything else, with its original bytes: not valid for the input schema, or taken by no pump.\n"
            f"INSERT INTO {ident(self.options.rejected_table)}\nSELECT payload\nFROM {ident(self.stream)}\n"
            f"WHERE NOT is_valid{unrouted};"
        )
        return inserts
