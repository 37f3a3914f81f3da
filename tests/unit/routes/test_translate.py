"""Generic Flink expressions run on DuckDB with Flink's semantics."""

from __future__ import annotations

import pytest

from fanout.routes import RouteExecutionError, RouteExecutor

HEAD = """
CREATE TABLE src (payload STRING) WITH ('format' = 'raw');
CREATE TABLE out (a BIGINT, b STRING, c BOOLEAN) WITH ('format' = 'json');
CREATE TABLE txt (v STRING) WITH ('format' = 'raw');
"""


def test_executor_view_over_filtered_view_and_expressions() -> None:
    # GIVEN a view over a filtered view, integer division, CASE, string functions and IS JSON
    sql = (
        HEAD
        + """
    CREATE VIEW docs AS SELECT payload, JSON_VALUE(payload, '$.n' RETURNING INT) AS n FROM src
        WHERE payload IS JSON OBJECT;
    CREATE VIEW big AS SELECT n, UPPER(payload) AS up FROM docs WHERE n > 1;
    INSERT INTO out SELECT n / 2, CASE WHEN n > 5 THEN 'many' ELSE 'few' END || '!', CHAR_LENGTH(up) > 8 FROM big;
    INSERT INTO txt SELECT TRIM(payload) || '|' FROM src WHERE payload IS NOT JSON;
    """
    )
    executor = RouteExecutor.from_sql(sql)
    # WHEN routing documents and non-JSON text
    result = executor.execute([b'{"n":7}', b'{"n":1}', b" hi ", b'{"n":3}'])
    # THEN each route sees only its rows, with Flink's integer division
    assert result["out"] == [(0, b'{"a":3,"b":"many!","c":false}'), (3, b'{"a":1,"b":"few!","c":false}')]
    assert result["txt"] == [(2, b"hi|")]
    # AND a numeric string under RETURNING INT fails the job, as in Flink (ClassCastException: String)
    with pytest.raises(RouteExecutionError, match="ClassCastException"):
        executor.execute([b'{"n":"3"}'])


def test_executor_cast_failure_fails_batch_like_flink() -> None:
    # GIVEN a plain CAST of a non-numeric string (Flink fails the job at runtime)
    sql = HEAD + "INSERT INTO out SELECT CAST(payload AS BIGINT), payload, TRUE FROM src;"
    executor = RouteExecutor.from_sql(sql)
    # WHEN routed THEN the batch fails
    with pytest.raises(RouteExecutionError):
        executor.execute([b"abc"])
    # AND a numeric string passes
    assert executor.execute([b"12"])["out"] == [(0, b'{"a":12,"b":"12","c":true}')]


def test_executor_record_matching_two_routes_goes_to_both() -> None:
    # GIVEN two routes without filters WHEN routed THEN a record lands in both
    sql = HEAD + "INSERT INTO txt SELECT payload FROM src; INSERT INTO out SELECT 1, payload, NULL FROM src;"
    result = RouteExecutor.from_sql(sql).execute([b"x"])
    assert result == {"txt": [(0, b"x")], "out": [(0, b'{"a":1,"b":"x","c":null}')]}
