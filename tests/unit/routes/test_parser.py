"""Parsing route scripts: tables and options, syntax errors, unsupported constructs."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanout.routes import SqlSyntaxError, UnsupportedConstructError, UnsupportedFormatError, parse_script
from fanout.routes.executor import RouteExecutor

SQL = Path(__file__).resolve().parents[3].joinpath("sql", "fanout.sql").read_text()
SOURCE = "CREATE TABLE src (payload STRING) WITH ('connector' = 'kinesis', 'format' = 'raw');\n"
SINK = "CREATE TABLE out (v STRING) WITH ('connector' = 'kinesis', 'format' = 'json');\n"


def test_parse_script_reference_tables_options_and_routes() -> None:
    # GIVEN the reference script WHEN parsed
    script = parse_script(SQL)
    # THEN it declares the source, three sinks with their options, one view and three routes
    assert script.tables["transactions"].options["stream.arn"] == "${input.stream.arn}"
    assert script.tables["transactions"].options["source.init.position"] == "${source.init.position}"
    assert {name: table.format for name, table in script.tables.items()} == {
        "transactions": "raw",
        "positive_transactions": "json",
        "negative_transactions": "json",
        "rejected_transactions": "raw",
    }
    assert list(script.views) == ["parsed_transactions"]
    assert [route.sink for route in script.inserts] == [
        "positive_transactions",
        "negative_transactions",
        "rejected_transactions",
    ]


def test_parse_script_syntax_error_reports_line_and_column() -> None:
    # GIVEN a WHERE without a condition on line 4
    sql = SOURCE + SINK + "INSERT INTO out\nSELECT payload FROM src WHERE;"
    # WHEN parsed THEN the error points at the token
    with pytest.raises(SqlSyntaxError) as caught:
        parse_script(sql)
    assert (caught.value.line, caught.value.column) == (4, 25)
    assert "line 4, column 25" in str(caught.value)


def test_parse_script_unterminated_string_is_syntax_error() -> None:
    # GIVEN a string literal that never ends WHEN parsed THEN it is a syntax error
    with pytest.raises(SqlSyntaxError):
        parse_script(SOURCE + "INSERT INTO out SELECT 'abc FROM src;")


@pytest.mark.parametrize(
    ("query", "construct"),
    [
        ("SELECT COUNT(*) FROM src", "aggregate function COUNT"),
        ("SELECT payload FROM src GROUP BY payload", "GROUP BY (aggregation)"),
        ("SELECT a.payload FROM src a JOIN src b ON a.payload = b.payload", "JOIN"),
        ("SELECT payload FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTES))", "TUMBLE window"),
        ("SELECT ROW_NUMBER() OVER (ORDER BY payload) FROM src", "OVER window"),
        ("SELECT * FROM src MATCH_RECOGNIZE (PATTERN (A) DEFINE A AS A.payload > 'a')", "MATCH_RECOGNIZE"),
        ("SELECT MY_UDF(payload) FROM src", "function MY_UDF"),
        ("SELECT payload FROM (SELECT payload FROM src)", "FROM other than one table or view"),
    ],
)
def test_route_executor_unsupported_construct_named(query: str, construct: str) -> None:
    # GIVEN a route using a construct outside the subset
    sql = SOURCE + SINK + f"INSERT INTO out {query};"
    # WHEN planned THEN the error names the construct
    with pytest.raises(UnsupportedConstructError) as caught:
        RouteExecutor.from_sql(sql)
    assert caught.value.construct == construct


def test_route_executor_unknown_sink_format_rejected() -> None:
    # GIVEN a sink with the avro format
    sql = SOURCE + "CREATE TABLE out (v STRING) WITH ('format' = 'avro');\nINSERT INTO out SELECT payload FROM src;"
    # WHEN planned THEN a clear format error names the sink and the format
    with pytest.raises(UnsupportedFormatError, match="'out' has format 'avro'"):
        RouteExecutor.from_sql(sql)


def test_route_executor_json_value_returning_decimal_not_in_flink_120() -> None:
    # GIVEN JSON_VALUE ... RETURNING DECIMAL, which Flink 1.20 rejects
    sql = SOURCE + SINK + "INSERT INTO out SELECT JSON_VALUE(payload, '$.a' RETURNING DECIMAL(5, 2)) FROM src;"
    # WHEN planned THEN it is unsupported
    with pytest.raises(UnsupportedConstructError, match="RETURNING DECIMAL"):
        RouteExecutor.from_sql(sql)
