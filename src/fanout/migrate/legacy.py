"""Read Kinesis Data Analytics for SQL application code: in-application streams and pumps.

sqlglot has no dialect for the legacy streaming SQL, so each statement's head (``CREATE OR REPLACE
STREAM``/``PUMP ... AS``) is recognised from sqlglot's tokens and the rest is handed to sqlglot's
parser: ``CREATE TABLE`` for a stream's columns, ``INSERT INTO ... SELECT`` (the ``STREAM`` keyword
blanked) for a pump. Text outside the part parsed is blanked, not cut, so line numbers stay exact.

Legacy names: unquoted identifiers are upper-cased, quoted ones are kept as written.

Example:
    >>> app = parse_legacy('CREATE OR REPLACE STREAM "OUT" (ID INTEGER); CREATE OR REPLACE PUMP "P" AS '
    ...                    'INSERT INTO "OUT" SELECT STREAM ID FROM "SOURCE_SQL_STREAM_001";')
    >>> list(app.streams), [p.target for p in app.pumps]
    (['OUT'], ['OUT'])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from fanout.migrate.exceptions import LegacySyntaxError, UntranslatableConstructError
from fanout.migrate.schema import LegacyType, parse_type

# Words that mark constructs with no faithful translation, found before parsing (with their line).
UNTRANSLATABLE = {
    "ROWTIME": "ROWTIME",
    "STEP": "STEP (time bucketing)",
    "OVER": "OVER window",
    "WINDOW": "WINDOW clause",
    "RANGE": "RANGE window",
    "ROWS": "ROWS window",
    "JOIN": "JOIN",
    "GROUP": "GROUP BY (aggregation)",
    "HAVING": "HAVING",
    "DISTINCT": "DISTINCT",
    "UNION": "UNION",
    "INTERSECT": "INTERSECT",
    "EXCEPT": "EXCEPT",
    "ORDER": "ORDER BY",
    "LIMIT": "LIMIT",
    "MONOTONIC": "MONOTONIC",
    "INTERVAL": "INTERVAL",
    "TABLE": "TABLE function (e.g. RANDOM_CUT_FOREST, HOTSPOTS)",
    "CURRENT_ROW_TIMESTAMP": "CURRENT_ROW_TIMESTAMP",
    "CURRENT_TIMESTAMP": "CURRENT_TIMESTAMP",
    "LOCALTIMESTAMP": "LOCALTIMESTAMP",
    "TSDIFF": "TSDIFF",
    "FIRST_VALUE": "FIRST_VALUE",
    "LAST_VALUE": "LAST_VALUE",
    "LAG": "LAG",
}


@dataclass(frozen=True)
class LegacyColumn:
    """A column of an in-application stream."""

    name: str
    type: LegacyType


@dataclass(frozen=True)
class Pump:
    """``CREATE OR REPLACE PUMP name AS INSERT INTO target [(columns)] SELECT STREAM ...``."""

    name: str
    target: str
    columns: tuple[str, ...] | None
    query: exp.Select
    line: int


@dataclass(frozen=True)
class LegacyApp:
    """The in-application streams (in declaration order) and the pumps."""

    streams: dict[str, tuple[LegacyColumn, ...]]
    pumps: tuple[Pump, ...]


def legacy_name(identifier: exp.Identifier | exp.Expr) -> str:
    """The legacy name of an identifier: quoted as written, unquoted upper-cased."""
    if isinstance(identifier, exp.Identifier):
        return identifier.name if identifier.quoted else identifier.name.upper()
    return identifier.name.upper()


def parse_legacy(sql: str) -> LegacyApp:
    """Parse the legacy application code; raise LegacySyntaxError or UntranslatableConstructError."""
    try:
        tokens = sqlglot.tokenize(sql)
    except TokenError as exc:
        raise LegacySyntaxError(str(exc)) from exc
    _reject_untranslatable(tokens)
    streams: dict[str, tuple[LegacyColumn, ...]] = {}
    pumps: list[Pump] = []
    for statement in _statements(tokens):
        kind, name_token, body_start = _head(statement)
        name = legacy_name(exp.to_identifier(name_token.text, quoted=name_token.token_type == TokenType.IDENTIFIER))
        body = _blanked(sql, body_start, statement[-1].end + 1)
        if kind == "STREAM":
            streams[name] = _stream_columns(body, statement[0].line)
        else:
            pumps.append(_pump(name, body, statement[0].line))
    return LegacyApp(streams, tuple(pumps))


def _reject_untranslatable(tokens: list[Token]) -> None:
    for token in tokens:
        if token.token_type in (TokenType.STRING, TokenType.IDENTIFIER):
            continue
        word = token.text.upper().split()[0]
        if word in UNTRANSLATABLE:
            raise UntranslatableConstructError(UNTRANSLATABLE[word], token.line)


def _statements(tokens: list[Token]) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


def _head(statement: list[Token]) -> tuple[str, Token, int]:
    """(STREAM or PUMP, the name token, where the part to parse starts) of ``CREATE [OR REPLACE] X name``."""
    words = [token.text.upper() for token in statement[:6]]
    at = 3 if words[:3] == ["CREATE", "OR", "REPLACE"] else 1 if words[:1] == ["CREATE"] else None
    if at is None or len(statement) <= at + 1 or words[at] not in ("STREAM", "PUMP"):
        head = " ".join(token.text for token in statement[:4])
        detail = "only CREATE STREAM and CREATE PUMP"
        raise UntranslatableConstructError(f"statement {head!r}", statement[0].line, detail)
    kind, name = words[at], statement[at + 1]
    if kind == "STREAM":
        return kind, name, name.start - (1 if name.token_type == TokenType.IDENTIFIER else 0)
    rest = statement[at + 2 :]
    if rest and rest[0].text.upper() == "STARTED":
        rest = rest[1:]
    if not rest or rest[0].token_type != TokenType.ALIAS or len(rest) < 2:
        raise LegacySyntaxError(f"expected AS INSERT INTO after PUMP {name.text}", name.line)
    return kind, name, rest[1].start


def _blanked(sql: str, start: int, end: int) -> str:
    """``sql[start:end]`` at its original position: everything before it blanked, newlines kept."""
    return "".join("\n" if char == "\n" else " " for char in sql[:start]) + sql[start:end]


def _parse(text: str) -> exp.Expr:
    try:
        parsed = sqlglot.parse_one(text)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        raise LegacySyntaxError(first.get("description", str(exc)), first.get("line"), first.get("col")) from exc
    return parsed


def _stream_columns(body: str, line: int) -> tuple[LegacyColumn, ...]:
    # "CREATE TABLE" overwrites the leading blanks when they leave room, so positions stay exact.
    prefix = "CREATE TABLE "
    room = body[: len(prefix)]
    body = prefix + body[len(prefix) :] if room.isspace() and "\n" not in room else prefix + body
    created = _parse(body)
    schema = created.this if isinstance(created, exp.Create) else None
    if not isinstance(schema, exp.Schema):
        raise LegacySyntaxError("expected CREATE STREAM name (column type, ...)", line)
    columns = []
    for column in schema.expressions:
        if not isinstance(column, exp.ColumnDef) or column.args.get("constraints"):
            raise UntranslatableConstructError(f"stream element {column.sql()!r}", line)
        columns.append(LegacyColumn(legacy_name(column.this), parse_type(column.args["kind"].sql(), line)))
    return tuple(columns)


def _pump(name: str, body: str, line: int) -> Pump:
    # SELECT STREAM: blank the STREAM keyword (same length) so sqlglot parses a plain SELECT.
    tokens = sqlglot.tokenize(body)
    for token, following in itertools.pairwise(tokens):
        if token.token_type == TokenType.SELECT and following.text.upper() == "STREAM":
            body = body[: following.start] + " " * len(following.text) + body[following.end + 1 :]
            break
    else:
        raise UntranslatableConstructError("SELECT without STREAM", line, f"pump {name} must SELECT STREAM")
    parsed = _parse(body)
    if not isinstance(parsed, exp.Insert) or not isinstance(parsed.expression, exp.Select):
        raise UntranslatableConstructError(f"pump {name} body", line, "expected INSERT INTO stream SELECT STREAM ...")
    target = parsed.this
    columns = None
    if isinstance(target, exp.Schema):
        columns = tuple(legacy_name(c) for c in target.expressions)
        target = target.this
    return Pump(name, legacy_name(target.this), columns, parsed.expression, line)
