"""The evaluator emulates the runtime it is told: what Flink 1.20.5 and 2.2.1 do differently (both seen in real
PyFlink; the recorded cases are in tests/fuzz/corpus and tests/fuzz/corpus-2.2)."""

from __future__ import annotations

import pytest

from fanout.exceptions import UnsupportedRuntimeError
from fanout.routes import RouteExecutor

SQL = (
    "CREATE TABLE src (payload STRING) WITH ('connector' = 'kinesis', 'format' = 'raw');\n"
    "CREATE TABLE o (a STRING) WITH ('connector' = 'kinesis', 'format' = 'json');\n"
    "INSERT INTO o SELECT JSON_VALUE(payload, '$.d') FROM src;"
)


@pytest.mark.parametrize(
    ("member", "flink_1_20", "flink_2_2"),
    [
        ("1.50", "1.5", "1.50"),
        ("1e3", "1000.0", "1E+3"),
        ("-0.0", "-0.0", "0.0"),
        ("0.0001", "1.0E-4", "0.0001"),
        ("1.5E+2", "150.0", "1.5E+2"),
        ("7", "7", "7"),
    ],
)
def test_json_value_of_a_float_is_a_double_in_1_20_and_a_big_decimal_in_2_2(
    member: str, flink_1_20: str, flink_2_2: str
) -> None:
    # GIVEN a JSON float member WHEN JSON_VALUE reads it under each runtime
    record = [f'{{"d":{member}}}'.encode()]
    text = {
        runtime: RouteExecutor.from_sql(SQL, runtime=runtime).execute(record)["o"][0][1]
        for runtime in ("FLINK-1_20", "FLINK-2_2")
    }
    # THEN 1.20 prints Double.toString, 2.2 BigDecimal.toString
    assert text == {"FLINK-1_20": f'{{"a":"{flink_1_20}"}}'.encode(), "FLINK-2_2": f'{{"a":"{flink_2_2}"}}'.encode()}


def test_a_decimal_divided_by_a_wide_integer_fails_the_job_in_1_20_only() -> None:
    # GIVEN DECIMAL(5, 2) / 1000, whose integer 1.20 casts to the result's type (null, then a NullPointerException)
    sql = SQL.replace("o (a STRING)", "o (a DECIMAL(10, 4))").replace(
        "JSON_VALUE(payload, '$.d')", "TRY_CAST(JSON_VALUE(payload, '$.d') AS DECIMAL(5, 2)) / 1000"
    )
    failures: dict[int, str] = {}
    # WHEN each runtime routes 1.5
    RouteExecutor.from_sql(sql, runtime="FLINK-1_20").execute([b'{"d":1.5}'], failures)
    rows = RouteExecutor.from_sql(sql, runtime="FLINK-2_2").execute([b'{"d":1.5}'])
    # THEN 1.20 fails the job and 2.2 divides
    assert "NullPointerException" in failures[0]
    assert rows["o"] == [(0, b'{"a":0.0015}')]


def test_a_try_cast_to_the_type_the_value_has_is_dropped_in_2_2_only() -> None:
    # GIVEN a DECIMAL(5, 2) holding 1000.00 (999.995 rounded HALF_UP: too long for its type), TRY_CAST to its type
    sql = SQL.replace("o (a STRING)", "o (a DECIMAL(5, 2))").replace(
        "JSON_VALUE(payload, '$.d')",
        "TRY_CAST(TRY_CAST(JSON_VALUE(payload, '$.d') AS DECIMAL(5, 2)) AS DECIMAL(5, 2))",
    )
    # WHEN each runtime routes it THEN 1.20 checks it again (NULL) and 2.2 drops the TRY_CAST (1E+3)
    rows = {
        r: RouteExecutor.from_sql(sql, runtime=r).execute([b'{"d":999.995}'])["o"] for r in ("FLINK-1_20", "FLINK-2_2")
    }
    assert rows == {"FLINK-1_20": [(0, b'{"a":null}')], "FLINK-2_2": [(0, b'{"a":1E+3}')]}


def test_an_unsupported_runtime_is_a_named_error() -> None:
    with pytest.raises(UnsupportedRuntimeError, match="FLINK-1_20, FLINK-2_2"):
        RouteExecutor.from_sql(SQL, runtime="FLINK-1_15")
