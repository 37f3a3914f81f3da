"""The executor's fast plan shapes route exactly like the straightforward translations they replace."""

from __future__ import annotations

from decimal import Decimal, localcontext
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from fanout.routes import RouteExecutor
from fanout.routes.dialect import FanoutFlink
from fanout.routes.formats import _stripped_fraction
from fanout.routes.translate import Field, Translator, key_twice

TEXTS = [
    '{"id":12,"username":"ann","amount":12.5}',
    '{"id":1.23456789E8,"username":1.0E-4,"amount":-0.0}',
    '{"id":"7.9","username":123456789.5,"amount":"1e3"}',
    '{"id":1,"id":2,"username":"x","username":"y","amount":1,"amount":-3}',
    '{"id":[1],"username":{"a":1},"amount":null}',
    '{"id":1,"amount":2,} ',
    '{"id":5,"amount":6} trailing',
    "[1, 2, 3]",
    "{not json 3",
    '"just a string"',
    "",
    '{"id":1e400,"username":"\U0001f4b8 \\u0001","amount":9999999999.995}',
    '{"a":{"b":"c","b":2.5E10},"id":{"x":-1.5E-7}}',
    '[10, "1.0E-4", {"b":1}]',
]
EXPRESSIONS = [
    "JSON_VALUE(payload, '$.id')",
    "TRY_CAST(JSON_VALUE(payload, '$.id') AS BIGINT)",
    "JSON_VALUE(payload, '$.username')",
    "TRY_CAST(JSON_VALUE(payload, '$.amount') AS DECIMAL(12, 2))",
    "JSON_VALUE(payload, '$.amount' RETURNING DOUBLE)",
    "JSON_VALUE(payload, 'lax $.id' RETURNING INT)",
    "JSON_VALUE(payload, '$.a.b')",
    "JSON_VALUE(payload, '$.id.x')",
    "JSON_VALUE(payload, '$[1]')",
    "JSON_VALUE(payload, '$.a[0]')",
]


def _inline(expression: str) -> list[str | None]:
    """``expression`` over TEXTS, translated without shared documents or scalars (every value inline)."""
    scope = {"payload": Field(exp.column("t"), exp.DataType.build("TEXT"))}
    translated = Translator(scope)(sqlglot.parse_one(expression, read=FanoutFlink))
    values = ", ".join("(" + exp.Literal.string(text).sql(dialect="duckdb") + ")" for text in TEXTS)
    query = f"SELECT CAST({translated.sql(dialect='duckdb')} AS VARCHAR) FROM (VALUES {values}) AS v(t)"
    return [row[0] for row in duckdb.connect().execute(query).fetchall()]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_hoisted_json_value_equals_inline_translation(expression: str) -> None:
    # GIVEN a script whose JSON_VALUE reads a document and a scalar the plan computes once per batch
    sql = f"""
    CREATE TABLE src (payload STRING) WITH ('format' = 'raw');
    CREATE TABLE out (v STRING) WITH ('format' = 'raw');
    INSERT INTO out SELECT COALESCE(CAST({expression} AS STRING), '<null>') FROM src;
    """
    executor = RouteExecutor.from_sql(sql, engine="duckdb")
    # WHEN routing tricky texts
    routed = [payload.decode() for _, payload in executor.execute([text.encode() for text in TEXTS])["out"]]
    # THEN every value equals the inline translation's
    assert routed == [value if value is not None else "<null>" for value in _inline(expression)]


def test_prepared_plan_reused_across_batches_routes_like_a_fresh_executor() -> None:
    # GIVEN the reference script and one executor reused for batches of different sizes and contents
    sql = (Path(__file__).resolve().parents[3] / "sql" / "fanout.sql").read_text()
    reused = RouteExecutor.from_sql(sql, engine="duckdb")
    batches = [[text.encode() for text in TEXTS], [b'{"id":1,"username":"a","amount":-2}'] * 3000, [b"x"], []]
    for batch in [*batches, *batches]:
        # WHEN each batch is routed THEN the result equals a fresh executor's
        assert reused.execute(batch) == RouteExecutor.from_sql(sql, engine="duckdb").execute(batch)


@pytest.mark.parametrize(
    "text",
    ['{"id":1}', '{"id":1,"id":2}', '"id"id"', '"id""id"', '{"a":"\\"id\\"","id":1}', '"id" é "id"', "", '"i"d"'],
)
def test_key_twice_by_replace_equals_regular_expression(text: str) -> None:
    # GIVEN a text WHEN asked whether it holds '"id"' twice, by the count of removed bytes and by the regex
    literal = exp.Literal.string(text).sql(dialect="duckdb")
    query = f"""SELECT strlen({literal}) - strlen(replace({literal}, '"id"', '')) >= 8,
        regexp_matches({literal}, '"id"(?s:.)*"id"')"""
    by_replace, by_regex = duckdb.connect().execute(query).fetchall()[0]
    # THEN both agree
    assert by_replace == by_regex


@pytest.mark.parametrize(
    "text",
    ['{"a_b":1}', '{"a_b":1,"a_b":2}', '{"axb":1,"a_b":2}', '{"axb":1,"axb":2}', '"a_b"a_b"', '"a_b" \n "a_b"', ""],
)
def test_key_twice_by_like_equals_regular_expression(text: str) -> None:
    # GIVEN a text WHEN asked whether it holds '"a_b"' twice, by LIKE (the plan's test) and by the regex
    literal = exp.Literal.string(text).sql(dialect="duckdb")
    by_like = key_twice(exp.Literal.string(text), "a_b").sql(dialect="duckdb")
    query = f"""SELECT {by_like}, regexp_matches({literal}, '"a_b"(?s:.)*"a_b"')"""
    got, expected = duckdb.connect().execute(query).fetchall()[0]
    # THEN both agree
    assert got == expected


@pytest.mark.parametrize(("precision", "scale"), [(12, 2), (5, 1), (10, 6), (31, 6), (4, 3)])
def test_stripped_fraction_equals_rtrim_of_plain_text(precision: int, scale: int) -> None:
    # GIVEN DECIMAL values with and without trailing fraction zeros, negative, zero and at the type's limits
    with localcontext() as context:
        context.prec = 60
        unit = Decimal(1).scaleb(-scale)
        limit = Decimal(10) ** (precision - scale) - unit
        candidates = [
            0,
            1,
            10,
            100,
            Decimal("12.5"),
            Decimal("0.1"),
            Decimal("1.05"),
            unit,
            limit,
            limit / 7,
            limit / 2,
        ]
        values = [Decimal(value).quantize(unit) for value in candidates if abs(Decimal(value)) <= limit]
        values += [-value for value in values]
    column = exp.column("v")
    stripped = _stripped_fraction(column, precision, scale).sql(dialect="duckdb")
    rows = ", ".join(f"(CAST('{value:f}' AS DECIMAL({precision}, {scale})))" for value in values)
    # WHEN written by the cast chain and by rtrim of the plain text
    query = f"SELECT {stripped}, rtrim(rtrim(CAST(v AS VARCHAR), '0'), '.') FROM (VALUES {rows}) AS t(v)"
    # THEN both write the same text
    for got, expected in duckdb.connect().execute(query).fetchall():
        assert got == expected
