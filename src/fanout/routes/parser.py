"""Parse a Flink SQL route script into tables (with their WITH options), views and INSERT routes.

Example:
    >>> script = parse_script("CREATE TABLE s (payload BYTES) WITH ('format' = 'raw'); ...")
    >>> script.tables["s"].options["format"]
    'raw'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from fanout.routes.dialect import FanoutFlink
from fanout.routes.exceptions import (
    SqlSyntaxError,
    UnknownRelationError,
    UnsupportedConstructError,
    UnsupportedFormatError,
)


@dataclass(frozen=True)
class ColumnDef:
    """One declared column of a table."""

    name: str
    dtype: exp.DataType


@dataclass(frozen=True)
class TableDef:
    """A ``CREATE TABLE``: its columns and its connector/format options."""

    name: str
    columns: tuple[ColumnDef, ...]
    options: dict[str, str] = field(default_factory=dict)

    @property
    def format(self) -> str | None:
        """The table's ``format`` option (``value.format`` as a fallback), or None."""
        return self.options.get("format", self.options.get("value.format"))


@dataclass(frozen=True)
class ViewDef:
    """A ``CREATE [TEMPORARY] VIEW name AS SELECT ...``."""

    name: str
    query: exp.Select


@dataclass(frozen=True)
class InsertDef:
    """One route: ``INSERT INTO sink [(cols)] SELECT ...``."""

    sink: str
    query: exp.Select
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RouteScript:
    """Everything a route script declares, in declaration order."""

    tables: dict[str, TableDef]
    views: dict[str, ViewDef]
    inserts: tuple[InsertDef, ...]


def parse_script(sql: str) -> RouteScript:
    """Parse ``sql`` (statements separated by ``;``); raise SqlSyntaxError or UnsupportedConstructError."""
    tables: dict[str, TableDef] = {}
    views: dict[str, ViewDef] = {}
    inserts: list[InsertDef] = []
    for statement in _parse_statements(sql):
        if isinstance(statement, exp.Create) and statement.kind == "TABLE":
            table = _table(statement)
            tables[table.name] = table
        elif isinstance(statement, exp.Create) and statement.kind == "VIEW":
            views[statement.this.name] = ViewDef(statement.this.name, _select(statement.expression, "VIEW"))
        elif isinstance(statement, exp.Insert):
            inserts.append(_insert(statement))
        elif not isinstance(statement, exp.Set):  # SET 'key' = 'value' only configures the job
            raise UnsupportedConstructError(_statement_name(statement), "statement")
    return RouteScript(tables, views, tuple(inserts))


# Keywords of constructs outside the supported subset, reported before sqlglot tries to parse them.
UNSUPPORTED_KEYWORDS = {
    "MATCH_RECOGNIZE": "MATCH_RECOGNIZE",
    "WATERMARK": "WATERMARK",
    "OVER": "OVER window",
    "JOIN": "JOIN",
    "GROUP": "GROUP BY (aggregation)",
    "HAVING": "HAVING",
    "UNION": "UNION",
    "INTERSECT": "INTERSECT",
    "EXCEPT": "EXCEPT",
    "LATERAL": "LATERAL",
    "UNNEST": "UNNEST",
    "ORDER": "ORDER BY",
    "LIMIT": "LIMIT",
    "DISTINCT": "DISTINCT",
    "METADATA": "METADATA column",
    "DESCRIPTOR": "DESCRIPTOR (window table function)",
}
WINDOW_FUNCTIONS = {"TUMBLE", "HOP", "CUMULATE", "SESSION", "TUMBLE_START", "TUMBLE_END", "HOP_START"}


def _reject_unsupported_keywords(sql: str) -> None:
    try:
        found = FanoutFlink().tokenize(sql)
    except TokenError as exc:
        raise SqlSyntaxError(str(exc), *_token_error_position(sql, str(exc))) from exc
    for previous, token, following in zip([None, *found[:-1]], found, [*found[1:], None], strict=True):
        if token.token_type in (TokenType.STRING, TokenType.IDENTIFIER):
            continue
        if token.text.upper() == "DISTINCT" and previous is not None and previous.text.upper() in ("IS", "NOT"):
            continue  # IS [NOT] DISTINCT FROM
        word = token.text.upper().split()[0]  # "GROUP BY" is one token
        calls = following is not None and following.token_type == TokenType.L_PAREN
        construct = UNSUPPORTED_KEYWORDS.get(word) or (f"{word} window" if word in WINDOW_FUNCTIONS and calls else None)
        if construct:
            line, column = token.line, token.col - len(token.text) + 1
            raise UnsupportedConstructError(construct, f"line {line}, column {column}", line, column)


def _token_error_position(sql: str, message: str) -> tuple[int | None, int | None]:
    context = message.partition("'")[2].rpartition("'")[0]
    at = sql.find(context) if context else -1
    if at < 0:
        return None, None
    before = sql[: at + len(context)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1)


def _parse_statements(sql: str) -> list[exp.Expr]:
    _reject_unsupported_keywords(sql)
    try:
        parsed = sqlglot.parse(sql, dialect=FanoutFlink, error_level=sqlglot.ErrorLevel.RAISE)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        line, col = first.get("line"), first.get("col")
        if col is not None and first.get("highlight"):
            col = max(1, col - len(first["highlight"]) + 1)  # sqlglot points at the token's end
        raise SqlSyntaxError(first.get("description", str(exc)), line, col) from exc
    return [statement for statement in parsed if statement is not None]


def _statement_name(statement: exp.Expr) -> str:
    if isinstance(statement, exp.Command):
        return str(statement.this).upper()
    return statement.key.upper()


def _table(statement: exp.Create) -> TableDef:
    schema = statement.this
    if not isinstance(schema, exp.Schema):
        raise UnsupportedConstructError("CREATE TABLE without a column list")
    columns = []
    for column in schema.expressions:
        if not isinstance(column, exp.ColumnDef):
            raise UnsupportedConstructError(column.key.upper(), "table element")
        if column.args.get("constraints"):
            raise UnsupportedConstructError(column.args["constraints"][0].sql(), "column constraint")
        columns.append(ColumnDef(column.name, column.args["kind"]))
    options: dict[str, str] = {}
    for prop in (statement.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.Property) and isinstance(prop.this, exp.Literal):
            options[prop.this.name] = prop.args["value"].name
        elif not isinstance(prop, exp.PartitionedByProperty | exp.TemporaryProperty):
            raise UnsupportedConstructError(prop.sql(dialect=FanoutFlink), "table property")
    return TableDef(schema.this.name, tuple(columns), options)


def _insert(statement: exp.Insert) -> InsertDef:
    if statement.args.get("overwrite"):
        raise UnsupportedConstructError("INSERT OVERWRITE")
    target = statement.this
    names = None
    if isinstance(target, exp.Schema):
        names = tuple(column.name for column in target.expressions)
        target = target.this
    return InsertDef(target.name, _select(statement.expression, "INSERT"), names)


def _select(query: exp.Expr | None, where: str) -> exp.Select:
    if not isinstance(query, exp.Select):
        name = query.key.upper() if query is not None else "empty query"
        raise UnsupportedConstructError(name, f"{where} must select from one table or view")
    return query


def relation_of(query: exp.Select) -> exp.Table:
    """The one table or view ``query`` reads; UnsupportedConstructError for anything but SELECT ... FROM t WHERE."""
    extra = [key for key, value in query.args.items() if value and key not in ("expressions", "from_", "where")]
    if extra:
        raise UnsupportedConstructError(extra[0].upper().rstrip("_"))
    relation = query.args["from_"].this if query.args.get("from_") else None
    if not isinstance(relation, exp.Table) or relation.args.get("joins") or isinstance(relation.this, exp.Func):
        raise UnsupportedConstructError("FROM other than one table or view")
    return relation


def source_table(script: RouteScript) -> TableDef:
    """The one table the views and routes read from, with format raw and one column (its type is the engine's)."""
    queries = [view.query for view in script.views.values()] + [route.query for route in script.inserts]
    names = {relation_of(query).name for query in queries}
    tables = sorted(names - set(script.views))
    if len(tables) != 1:
        raise UnsupportedConstructError("routes over several source tables", ", ".join(tables))
    if tables[0] not in script.tables:
        raise UnknownRelationError(f"unknown table {tables[0]!r}")
    source = script.tables[tables[0]]
    if source.format != "raw" or len(source.columns) != 1:
        raise UnsupportedFormatError(f"source {source.name!r} must have format 'raw' and one column")
    return source
