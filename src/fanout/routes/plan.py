"""Plan a route script as ONE DuckDB query over a batch: a mask and an output column per route.

The query reads the batch table ``_fanout_batch`` (columns ``__i`` and the source columns, plus
``<col>__text`` for a BYTES column) and returns one row per input record, in input order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from fanout.routes import formats
from fanout.routes.exceptions import UnknownRelationError, UnsupportedConstructError, UnsupportedFormatError
from fanout.routes.parser import InsertDef, RouteScript, TableDef, relation_of, source_table
from fanout.routes.translate import BINARY_TYPES, TEXT_SUFFIX, TEXT_TYPES, Field, JsonReads, Translator, infer_type

BATCH = "_fanout_batch"
Scope = dict[str, Field]
Documents = dict[str, tuple[str, exp.Expr]]


@dataclass(frozen=True)
class SinkPlan:
    """Where one route's rows are in the query result; ``output`` None means the input bytes unchanged."""

    name: str
    mask: str
    output: str | None
    binary: bool = False  # the output column is BLOB (raw format) rather than VARCHAR (json)


@dataclass(frozen=True)
class QueryPlan:
    """The DuckDB query, the source table it reads, and how to read each sink's rows from its result."""

    sql: str
    source: TableDef
    sinks: tuple[SinkPlan, ...]


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str) -> exp.Column:
    return exp.Column(this=_ident(name))


def _source(script: RouteScript) -> TableDef:
    source = source_table(script)
    if source.columns[0].dtype.this not in TEXT_TYPES | BINARY_TYPES:
        raise UnsupportedFormatError(f"source {source.name!r}: raw column must be STRING or BYTES")
    return source


def _items(query: exp.Select, scope: Scope) -> list[tuple[str, exp.Expr]]:
    """The query's projection as (name, Flink expression), with ``*`` expanded."""
    items: list[tuple[str, exp.Expr]] = []
    for position, item in enumerate(query.expressions):
        if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
            items.extend((name, exp.column(name)) for name in scope if not name.startswith("__"))
        else:
            items.append((item.alias_or_name or f"EXPR${position}", item.unalias()))
    return items


def build_plan(script: RouteScript) -> QueryPlan:
    """Plan every INSERT of ``script`` into one DuckDB query; see the module docstring."""
    if not script.inserts:
        raise UnsupportedConstructError("script without INSERT", "nothing to route")
    source = _source(script)
    documents: Documents = {}  # each text's parsed JSON document, computed once per batch in layer __d
    reads = JsonReads()  # the values JSON_VALUE reads from those, computed once per batch in layers over __d
    column = source.columns[0]
    base = Field(
        _col(column.name), column.dtype, _col(column.name + TEXT_SUFFIX) if column.dtype.this in BINARY_TYPES else None
    )
    scopes: dict[str, Scope] = {source.name: {column.name: base}}
    keeps: dict[str, exp.Expr | None] = {source.name: None}
    view_columns: list[exp.Expr] = []
    for view in script.views.values():
        relation = relation_of(view.query).name
        if relation not in scopes:
            raise UnknownRelationError(f"view {view.name!r} reads unknown relation {relation!r}")
        translate = Translator(scopes[relation], documents, reads)
        keep = _keep(keeps[relation], view.query, translate)
        if keep is not None:
            view_columns.append(exp.alias_(keep, f"{view.name}__keep", quoted=True))
            keep = _col(f"{view.name}__keep")
        scope: Scope = {}
        for name, item in _items(view.query, scopes[relation]):
            if isinstance(item, exp.Column) and keep is None and item.name in scopes[relation]:
                scope[name] = scopes[relation][item.name]  # a pass-through column needs no new column
                continue
            value = translate(item)
            guarded = value if keep is None else exp.Case(ifs=[exp.If(this=keep, true=value)])
            view_columns.append(exp.alias_(guarded, f"{view.name}__{name}", quoted=True))
            field = scopes[relation].get(item.name) if isinstance(item, exp.Column) else None
            text = field.text if field is not None and keep is None else None
            scope[name] = Field(_col(f"{view.name}__{name}"), infer_type(item, scopes[relation]), text)
        scopes[view.name], keeps[view.name] = scope, keep
    return _routes(script, source, scopes, keeps, view_columns, documents, reads)


def _keep(parent: exp.Expr | None, query: exp.Select, translate: Translator) -> exp.Expr | None:
    where = query.args.get("where")
    if where is None:
        return parent
    cond = exp.Coalesce(this=exp.Paren(this=translate(where.this)), expressions=[exp.false()])
    return cond if parent is None else exp.and_(parent, cond)


def _routes(
    script: RouteScript, source: TableDef, scopes: dict[str, Scope], keeps: dict[str, exp.Expr | None],
    view_columns: list[exp.Expr], documents: Documents, reads: JsonReads,
) -> QueryPlan:  # fmt: skip
    masks: list[exp.Expr] = []
    outputs: dict[str, tuple[exp.Expr, list[str]]] = {}
    sinks: list[SinkPlan] = []
    for position, route in enumerate(script.inserts):
        relation = relation_of(route.query).name
        if relation not in scopes:
            raise UnknownRelationError(f"INSERT INTO {route.sink} reads unknown relation {relation!r}")
        if route.sink not in script.tables:
            raise UnknownRelationError(f"INSERT INTO unknown table {route.sink!r}")
        sink = script.tables[route.sink]
        fmt = formats.check_sink_format(sink)
        translate = Translator(scopes[relation], documents, reads)
        mask = _keep(keeps[relation], route.query, translate)
        masks.append(exp.alias_(mask if mask is not None else exp.true(), f"__m{position}", quoted=True))
        values = _sink_values(route, sink, _items(route.query, scopes[relation]))
        if fmt == "raw" and _is_source_column(values[0], scopes[relation], source):
            sinks.append(SinkPlan(sink.name, f"__m{position}", None))
            continue
        translated = [translate(value) for value in values]
        if fmt == "json":
            types = [infer_type(value, scopes[relation]) for value in values]
            payload = formats.encode_json(sink, translated, types)
        else:
            payload = formats.encode_raw(sink, translated[0])
        key = payload.sql(dialect="duckdb")
        outputs.setdefault(key, (payload, []))[1].append(f"__m{position}")
        output = f"__o{list(outputs).index(key)}"
        sinks.append(SinkPlan(sink.name, f"__m{position}", output, binary=fmt == "raw"))
    return QueryPlan(_query(view_columns, masks, outputs, documents, reads), source, tuple(sinks))


def _sink_values(route: InsertDef, sink: TableDef, items: list[tuple[str, exp.Expr]]) -> list[exp.Expr]:
    names = route.columns or tuple(column.name for column in sink.columns)
    if len(names) != len(items):
        raise UnsupportedConstructError(f"INSERT INTO {sink.name} with {len(items)} values for {len(names)} columns")
    by_name = dict(zip(names, (item for _, item in items), strict=True))
    return [by_name.get(column.name, exp.null()) for column in sink.columns]


def _is_source_column(value: exp.Expr, scope: Scope, source: TableDef) -> bool:
    field = scope.get(value.name) if isinstance(value, exp.Column) else None
    return field is not None and field.text is not None and source.columns[0].dtype.this in BINARY_TYPES


def _query(
    view_columns: list[exp.Expr], masks: list[exp.Expr], outputs: dict, documents: Documents, reads: JsonReads
) -> str:
    """The layers, innermost first: documents (__d), JSON reads (__l, __j, __k: see JsonReads), views (__v),
    masks (__r), then outputs.

    Nested subqueries, not CTEs: the executor prepares the query with DuckDB's optimizer off, which would
    materialise each CTE. Each layer adds its columns to ``*`` of the one below, computing each value once.
    """

    def named(layer: Documents) -> list[exp.Expr]:
        return [exp.alias_(value, name, quoted=True) for name, value in layer.values()]

    layers = [
        ("__d", named(documents) + named(reads.twice)),
        ("__l", reads.lists()),
        ("__j", named(reads.scalars)),
        ("__k", named(reads.texts)),
        ("__v", view_columns),
        ("__r", masks),
    ]
    relation: exp.Expr = exp.to_table(BATCH)
    for alias, columns in layers:
        relation = exp.select(exp.Star(), *columns).from_(relation).subquery(alias)
    final: list[exp.Expr] = [_col("__i"), *(_col(mask.alias) for mask in masks)]
    for position, (payload, guards) in enumerate(outputs.values()):
        guard = exp.or_(*(_col(name) for name in guards))
        final.append(exp.alias_(exp.Case(ifs=[exp.If(this=guard, true=payload)]), f"__o{position}", quoted=True))
    return exp.select(*final).from_(relation).sql(dialect="duckdb")
