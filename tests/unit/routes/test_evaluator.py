"""The compiled evaluator on the constructs a new user's routes use, each result as real Flink 1.20 gives it.

Every expected value here was observed in real Flink (PyFlink 1.20.5): through the parity suite's orders
script (sql/examples/orders.sql) or the differential fuzzer's corpus (tests/fuzz/corpus).
"""

from __future__ import annotations

import pytest

from fanout.routes import RouteExecutor, UnsupportedConstructError
from fanout.routes.check import check_sql
from fanout.routes.evaluator import FlinkJobFailureError
from fanout.runtimes import RUNTIMES

SOURCE = "CREATE TABLE src (payload STRING) WITH ('connector' = 'kinesis', 'format' = 'raw');\n"


def _route(body: str, records: list[bytes]) -> dict[str, list[bytes]]:
    rows = RouteExecutor.from_sql(SOURCE + body).execute(records)
    return {sink: [payload for _, payload in pairs] for sink, pairs in rows.items()}


def test_double_sink_column_is_written_as_java_double() -> None:
    # GIVEN a json sink with a DOUBLE column (it used to be refused)
    body = """CREATE TABLE o (total DOUBLE) WITH ('format' = 'json');
    INSERT INTO o SELECT TRY_CAST(JSON_VALUE(payload, '$.total') AS DOUBLE) FROM src;"""
    # WHEN totals of several spellings are routed
    out = _route(body, [b'{"total":121.0}', b'{"total":1e7}', b'{"total":0.0001}', b'{"total":"x"}'])
    # THEN they are written as Double.toString writes them
    assert out["o"] == [b'{"total":121.0}', b'{"total":1.0E7}', b'{"total":1.0E-4}', b'{"total":null}']


def test_view_names_the_text_once_and_reads_members_from_it() -> None:
    # GIVEN a view that names CAST(payload AS STRING) and reads JSON_VALUE from that name (it failed to plan)
    sql = """CREATE TABLE src (payload BYTES) WITH ('format' = 'raw');
    CREATE TABLE o (name STRING) WITH ('format' = 'json');
    CREATE TEMPORARY VIEW parsed AS SELECT CAST(payload AS STRING) AS t FROM src;
    INSERT INTO o SELECT JSON_VALUE(t, '$.customer.name') FROM parsed;"""
    # WHEN a nested member is read
    rows = RouteExecutor.from_sql(sql).execute([b'{"customer":{"name":"Ann"}}'])
    # THEN it is found
    assert rows["o"] == [(0, b'{"name":"Ann"}')]


def test_int_arithmetic_wraps_as_java_does() -> None:
    # GIVEN INT arithmetic that overflows (it failed the whole batch)
    body = """CREATE TABLE o (twice INT, plus BIGINT) WITH ('format' = 'json');
    INSERT INTO o SELECT TRY_CAST(JSON_VALUE(payload, '$.q') AS INT) * 2,
        TRY_CAST(JSON_VALUE(payload, '$.q') AS INT) + CAST(1 AS BIGINT) FROM src;"""
    # WHEN the quantity is INT's maximum
    out = _route(body, [b'{"q":2147483647}'])
    # THEN INT * INT wraps to -2, and INT + BIGINT is computed in BIGINT
    assert out["o"] == [b'{"twice":-2,"plus":2147483648}']


def test_nested_duplicate_keys_take_the_last_value() -> None:
    # GIVEN a nested object with a key twice (the first was read)
    body = """CREATE TABLE o (name STRING) WITH ('format' = 'json');
    INSERT INTO o SELECT JSON_VALUE(payload, '$.order.customer.name') FROM src;"""
    # WHEN routed THEN the last value wins, at every depth
    records = [
        b'{"order":{"customer":{"name":"first","name":"last"}}}',
        b'{"order":{"x":1},"order":{"customer":{"name":"b"}}}',
    ]
    assert _route(body, records)["o"] == [b'{"name":"last"}', b'{"name":"b"}']


@pytest.mark.parametrize(
    ("returning", "member", "java_class"),
    [
        ("BOOLEAN", b'"true"', "String"),
        ("DOUBLE", b"1", "Integer"),
        ("INT", b"1.5", "Double"),
        ("INT", b"2147483648", "Long"),
    ],
)
def test_json_value_returning_another_json_type_fails_the_job(returning: str, member: bytes, java_class: str) -> None:
    # GIVEN JSON_VALUE ... RETURNING a type the member does not have (Flink 1.20 casts the Java object)
    body = f"""CREATE TABLE o (v {returning}) WITH ('format' = 'json');
    INSERT INTO o SELECT JSON_VALUE(payload, '$.v' RETURNING {returning}) FROM src;"""
    executor = RouteExecutor.from_sql(SOURCE + body)
    # WHEN such a record is routed THEN it is a named job failure, with the fix
    with pytest.raises(FlinkJobFailureError, match=f"ClassCastException.*{java_class}.*TRY_CAST") as raised:
        executor.execute([b'{"v":' + member + b"}"])
    assert "Flink would fail the job" in str(raised.value)


def test_json_value_returning_boolean_alone_in_where_fails_on_null() -> None:
    # GIVEN a route whose whole condition is a JSON_VALUE ... RETURNING BOOLEAN
    body = """CREATE TABLE o (v INT) WITH ('format' = 'json');
    INSERT INTO o SELECT 1 FROM src WHERE JSON_VALUE(payload, '$.ok' RETURNING BOOLEAN);"""
    executor = RouteExecutor.from_sql(SOURCE + body)
    # WHEN the member is present THEN it routes; WHEN missing THEN Flink 1.20 unboxes NULL and fails the job
    assert executor.execute([b'{"ok":true}', b'{"ok":false}'])["o"] == [(0, b'{"v":1}')]
    with pytest.raises(FlinkJobFailureError, match="NullPointerException"):
        executor.execute([b'{"other":1}'])
    # AND combined with another condition, NULL is simply not TRUE
    safe = RouteExecutor.from_sql(SOURCE + body.replace("BOOLEAN);", "BOOLEAN) AND payload <> '';"))
    assert safe.execute([b'{"other":1}'])["o"] == []


def test_sql_check_reports_the_records_that_fail_the_job() -> None:
    # GIVEN a script that reads a boolean with RETURNING BOOLEAN
    sql = (
        SOURCE
        + """CREATE TABLE o (v BOOLEAN) WITH ('format' = 'json');
    INSERT INTO o SELECT JSON_VALUE(payload, '$.vip' RETURNING BOOLEAN) FROM src;"""
    )
    # WHEN checked
    report = check_sql(sql)
    # THEN the probe with the string "true" is an error that names Flink's failure and the fix
    failing = [f for f in report.errors if f.code == "failing-record"]
    assert failing, report.findings
    assert any("ClassCastException" in f.message and "TRY_CAST" in f.message for f in failing)
    # AND the construct itself is an error wherever it stands, with its line and the rewrite
    (risk,) = [f for f in report.errors if f.code == "job-failure-risk"]
    assert "TRY_CAST(JSON_VALUE(..., '$.vip') AS BOOLEAN)" in risk.message
    assert risk.line == 3


def test_sql_check_passes_the_try_cast_rewrite() -> None:
    # GIVEN the rewrite sql check suggests
    sql = (
        SOURCE
        + """CREATE TABLE o (v DOUBLE) WITH ('format' = 'json');
    INSERT INTO o SELECT TRY_CAST(JSON_VALUE(payload, '$.amount') AS DOUBLE) FROM src;"""
    )
    # WHEN checked THEN nothing fails the job
    report = check_sql(sql)
    assert not [f for f in report.errors if f.code in ("job-failure-risk", "failing-record")], report.findings


def test_round_of_infinity_fails_the_job_as_in_flink() -> None:
    # GIVEN ROUND of a DOUBLE (Flink goes through BigDecimal.valueOf, which throws on NaN and Infinity)
    body = """CREATE TABLE o (v DOUBLE) WITH ('format' = 'json');
    INSERT INTO o SELECT ROUND(TRY_CAST(JSON_VALUE(payload, '$.x') AS DOUBLE), 1) FROM src;"""
    failures: dict[int, str] = {}
    # WHEN routing "Infinity", "NaN" and a number
    rows = RouteExecutor.from_sql(SOURCE + body).execute([b'{"x":"Infinity"}', b'{"x":"NaN"}', b'{"x":2.25}'], failures)
    # THEN the first two fail the job (NumberFormatException) and the number rounds half up
    assert set(failures) == {0, 1} and "NumberFormatException" in failures[0]
    assert rows["o"] == [(2, b'{"v":2.3}')]


_BOXED_CASTS = [
    ("DOUBLE", "BIGINT", False),
    ("INT", "SMALLINT", False),
    ("DOUBLE", "FLOAT", False),
    ("INT", "BIGINT", True),
    ("INT", "DOUBLE", True),
    ("DOUBLE", "DECIMAL(5, 2)", True),
]


@pytest.mark.parametrize(("returning", "target", "compiles"), _BOXED_CASTS)
def test_cast_of_a_boxed_returning_value_compiles_only_when_java_does(
    returning: str, target: str, compiles: bool
) -> None:
    # GIVEN a CAST of JSON_VALUE ... RETURNING (Flink 1.20's code casts the boxed object: Java allows widening only)
    body = f"""CREATE TABLE o (v STRING) WITH ('format' = 'json');
    INSERT INTO o SELECT CAST(CAST(JSON_VALUE(payload, '$.x' RETURNING {returning}) AS {target}) AS STRING) FROM src;"""
    # WHEN compiled THEN it is refused exactly where Flink's generated code does not compile (CompileException)
    if compiles:
        RouteExecutor.from_sql(SOURCE + body)
    else:
        with pytest.raises(UnsupportedConstructError, match="does not compile"):
            RouteExecutor.from_sql(SOURCE + body)


def test_constructs_flink_rejects_are_refused_before_running() -> None:
    # GIVEN expressions Flink's planner rejects
    cases = {
        "MOD of a DOUBLE": "SELECT CAST(1 AS DOUBLE) % 2",
        "VARCHAR into CHAR(3)": "SELECT payload",
        "POSITION((...) IN ...)": "SELECT POSITION(('a') IN payload)",
    }
    for name, select in cases.items():
        column = "c CHAR(3)" if "CHAR(3)" in name else "c STRING" if "POSITION" not in name else "c INT"
        if "DOUBLE" in name:
            column = "c DOUBLE"
        body = f"CREATE TABLE o ({column}) WITH ('format' = 'json'); INSERT INTO o {select} FROM src;"
        # WHEN compiled THEN a named error says why
        with pytest.raises(UnsupportedConstructError):
            RouteExecutor.from_sql(SOURCE + body)


# Observed in real Flink 1.20.5 (one job per expression and record): a STRING read from bytes that are not
# valid UTF-8 keeps its bytes, and copying a character whose lead byte claims bytes past the end fails the job.
_TRUNCATED, _SPLIT, _STRAY, _JSON = b"ab\xf0\x9f\x98", b"a\xf0\x9fb", b"\xffab", b'{"a":"\xf0\x9f\x98'
_FAILS = "fails"


@pytest.mark.parametrize(
    ("expression", "record", "flink"),
    [
        ("TRIM(BOTH 'x' FROM payload)", _TRUNCATED, _FAILS),
        ("TRIM(BOTH 'x' FROM payload)", _SPLIT, _FAILS),
        ("TRIM(BOTH 'x' FROM payload)", _STRAY, "\ufffdab"),
        ("TRIM(TRAILING 'x' FROM payload)", _JSON, _FAILS),
        ("TRIM(LEADING 'x' FROM payload)", _TRUNCATED, "ab\ufffd"),
        ("TRIM(payload)", _SPLIT, "a\ufffdb"),
        ("SUBSTRING(payload, 2)", _TRUNCATED, _FAILS),
        ("SUBSTRING(payload, 2)", _STRAY, "ab"),
        ("SUBSTRING(payload, -3)", _SPLIT, ""),
        ("SUBSTRING(payload, -3)", _STRAY, "\ufffdab"),
        ("SUBSTRING(payload FROM 1 FOR 2)", _TRUNCATED, "ab"),
        ("SUBSTRING(payload FROM 1 FOR 2)", _SPLIT, _FAILS),
        ("CAST(CHAR_LENGTH(payload) AS STRING)", _TRUNCATED, "3"),
        ("CAST(CHAR_LENGTH(payload) AS STRING)", _SPLIT, "2"),
        ("CAST(CHAR_LENGTH(payload) AS STRING)", _JSON, "7"),
        ("UPPER(payload)", _SPLIT, "A\ufffdB"),
        ("CAST(POSITION('a' IN payload) AS STRING)", _STRAY, "2"),
        ("payload || 'z'", _TRUNCATED, "ab\ufffdz"),
    ],
)
def test_string_of_invalid_utf8_as_flink_walks_it(expression: str, record: bytes, flink: str) -> None:
    # GIVEN a STRING function over a payload that is not valid UTF-8
    body = f"CREATE TABLE o (v STRING) WITH ('format' = 'json');\nINSERT INTO o SELECT {expression} FROM src;"
    executor = RouteExecutor.from_sql(SOURCE + body)
    # WHEN the record is routed
    failures: dict[int, str] = {}
    rows = executor.execute([record], failures)
    # THEN the job fails where Flink's does, else the text is Flink's
    if flink == _FAILS:
        assert "IndexOutOfBoundsException" in failures[0]
    else:
        assert not failures
        assert rows["o"] == [(0, ('{"v":"' + flink + '"}').encode())]


@pytest.mark.parametrize(
    ("where", "fails"),
    [
        # Flink's generated code evaluates every operand of a function or comparison ...
        ("JSON_VALUE(payload, '$.zz') = CAST(JSON_VALUE(payload, '$.n' RETURNING INT) AS STRING)", True),
        ("NULLIF(CHAR_LENGTH(payload), JSON_VALUE(payload, '$.n' RETURNING INT)) IS NULL", True),
        ("COALESCE(CHAR_LENGTH(payload), JSON_VALUE(payload, '$.n' RETURNING INT)) > 0", True),
        ("CHAR_LENGTH(payload) IN (1, JSON_VALUE(payload, '$.n' RETURNING INT))", True),
        # ... but AND, OR, CASE, IN (an OR) and BETWEEN (an AND) stop early, and Calcite folds constants first
        ("CHAR_LENGTH(payload) IN (CHAR_LENGTH(payload), JSON_VALUE(payload, '$.n' RETURNING INT))", False),
        ("CHAR_LENGTH(payload) BETWEEN 100 AND JSON_VALUE(payload, '$.n' RETURNING INT)", False),
        ("JSON_VALUE(payload, '$.ok') = 'n' OR JSON_VALUE(payload, '$.n' RETURNING INT) = 1", False),
        ("JSON_VALUE(payload, '$.n' RETURNING INT) = 1 OR TRUE", False),
        ("COALESCE(1, JSON_VALUE(payload, '$.n' RETURNING INT)) = 1", False),
        (
            "CASE WHEN JSON_VALUE(payload, '$.ok') = 'y' THEN JSON_VALUE(payload, '$.n' RETURNING INT) END IS NULL",
            False,
        ),
    ],
)
def test_which_operands_flink_evaluates(where: str, fails: bool) -> None:
    # GIVEN a JSON_VALUE ... RETURNING INT that fails the job on a boolean member, somewhere in a condition
    body = f"CREATE TABLE o (v STRING) WITH ('format' = 'raw');\nINSERT INTO o SELECT payload FROM src WHERE {where};"
    failures: dict[int, str] = {}
    # WHEN a record with a boolean member is routed
    RouteExecutor.from_sql(SOURCE + body).execute([b'{"ok":"n","n":true}'], failures)
    # THEN the job fails exactly when Flink evaluates that operand
    assert bool(failures) == fails, failures


def test_replace_of_the_empty_string_as_java_does() -> None:
    # GIVEN REPLACE with an empty search string (Flink: Java's String.replace, seen in real Flink 1.20.5)
    body = """CREATE TABLE o (v STRING) WITH ('format' = 'json');
    INSERT INTO o SELECT REPLACE(payload, '', 'x') FROM src;"""
    # WHEN routing 'ab' and '' THEN the replacement goes around every character
    assert _route(body, [b"ab", b""])["o"] == [b'{"v":"xaxbx"}', b'{"v":"x"}']


def test_a_column_compared_with_itself_is_refused() -> None:
    # GIVEN c IN ('', c) on a view column (Flink kept a record whose c is NULL; the same test of the
    # expression itself follows three-valued logic: Calcite's rewrite depends on the plan)
    body = """CREATE TABLE o (v STRING) WITH ('format' = 'raw');
    CREATE TEMPORARY VIEW v0 AS SELECT payload, JSON_VALUE(payload, '$.tags[1]') AS c FROM src;
    INSERT INTO o SELECT payload FROM v0 WHERE c IN ('', c);"""
    # WHEN compiled THEN it is refused with the rewrite
    with pytest.raises(UnsupportedConstructError, match="IS NOT NULL"):
        RouteExecutor.from_sql(SOURCE + body)


def test_sql_check_rejects_a_cast_of_record_data_that_can_fail() -> None:
    # GIVEN a CAST (not TRY_CAST) of the payload to BOOLEAN (seen in Flink 1.20.5: it runs before a view's
    # WHERE that is FALSE for the record, and fails the job)
    sql = (
        SOURCE
        + """CREATE TABLE o (v STRING) WITH ('format' = 'raw');
    CREATE TEMPORARY VIEW v0 AS SELECT * FROM src WHERE JSON_VALUE(payload, '$.price') = '41';
    INSERT INTO o SELECT payload FROM v0 WHERE CAST(payload AS BOOLEAN);"""
    )
    # WHEN checked THEN it is an error at the CAST, with the TRY_CAST rewrite
    (risk,) = [f for f in check_sql(sql).errors if f.code == "job-failure-risk"]
    assert "TRY_CAST(... AS BOOLEAN)" in risk.message and risk.line == 4
    # AND a CAST of a constant, or a TRY_CAST, is not a risk
    safe = sql.replace("CAST(payload AS BOOLEAN)", "TRY_CAST(payload AS BOOLEAN) AND CAST('1' AS BOOLEAN)")
    assert not [f for f in check_sql(safe).errors if f.code == "job-failure-risk"]


@pytest.mark.parametrize(
    ("select", "why"),
    [
        # Flink 1.20.5 wrote -2.1474839E9 for ABS(-2147483648) into a FLOAT column (folded at planning)
        ("ABS(-2147483648)", "overflows"),
        # and 2147483648 for -(-2147483648): constants fold without Java's wrap-around
        ("-((-2147483648))", "overflows"),
        # in a WHERE Flink kept no record for it where the DECIMAL(5, 2) side is NULL and the FLOAT side is not
        ("TRY_CAST(JSON_VALUE(payload, '$.id') AS DECIMAL(5, 2)) IS DISTINCT FROM "
         "TRY_CAST(JSON_VALUE(payload, '$.id') AS FLOAT)", "NULL together"),
        # Flink 1.20.5 held CAST(32767 AS DECIMAL(5, 2)) both IS NULL and IS NOT NULL
        ("CAST(CAST(32767 AS SMALLINT) AS DECIMAL(5, 2)) IS NOT NULL", "NULL and NOT NULL at once"),
        ("TRY_CAST(32767 AS DECIMAL(5, 2))", "cannot hold it"),
        # Calcite folds COALESCE(constant, x) to the constant, then the narrowing by its own rules (0, not -1)
        ("TRY_CAST(COALESCE(99999999.99, TRY_CAST(JSON_VALUE(payload, '$.f') AS FLOAT)) AS TINYINT)", "cannot hold"),
        ("TRY_CAST(-(COALESCE(2147483648, TRY_CAST(payload AS DECIMAL(5, 2)))) AS FLOAT)", "constant AS FLOAT"),
        # a comparison of two TRY_CASTs of one value: (a > b) IS NULL was FALSE in a WHERE where b was NULL
        ("(TRY_CAST(JSON_VALUE(payload, '$.m') AS INT) > TRY_CAST(JSON_VALUE(payload, '$.m') AS TINYINT)) IS NULL",
         "two TRY_CASTs of the same value"),
        # CASE WHEN TRUE THEN x and a CAST to x's own type are x: a column compared with itself again
        ("(CASE WHEN TRUE THEN CAST(payload AS STRING) ELSE payload END) IS DISTINCT FROM payload", "itself"),
        # (c) IN (c, ...) of a NULL c was TRUE in a WHERE: the parentheses do not hide the column
        ("((payload)) IN (payload, 'x')", "itself"),
        ("(payload) BETWEEN 'a' AND ((payload))", "itself"),
        # Calcite folds COALESCE(CAST(0.1 AS FLOAT), d) with the literal's digits: 0.1, not the float's value
        ("ABS(COALESCE(CAST(0.1 AS FLOAT), TRY_CAST(JSON_VALUE(payload, '$.d') AS DOUBLE)))", "constant FLOAT"),
        # CEIL of an integer is the integer: two TRY_CASTs of one value again
        ("CEIL(TRY_CAST(JSON_VALUE(payload, '$.m') AS INT)) IS DISTINCT FROM TRY_CAST(JSON_VALUE(payload, '$.m') "
         "AS BIGINT)", "NULL together"),
        # CAST(COALESCE(x, 123456) AS DECIMAL(5, 2)) was NULL to IS NULL and an empty string to CAST AS STRING
        ("CAST(COALESCE(TRY_CAST(JSON_VALUE(payload, '$.m') AS BIGINT), ROUND(-2147483648)) AS DECIMAL(5, 2))",
         "cannot hold it"),
        # 'ab ' IN (<'ab' as VARCHAR>, 'c') was FALSE and 'ab ' IN (<'ab' as CHAR(2)>, 'c') TRUE in Flink 1.20.5
        ("'ab ' IN (JSON_VALUE(payload, '$.s'), 'c')", "ending in a space"),
        ("'ab ' IN (CAST(JSON_VALUE(payload, '$.s') AS CHAR(2)), 'c')", "ending in a space"),
    ],
)  # fmt: skip
def test_constructs_calcite_rewrites_unsoundly_are_refused(select: str, why: str) -> None:
    # GIVEN an expression Flink does not compute as the SQL says (found by the fuzzer)
    body = (
        f"CREATE TABLE o (v STRING) WITH ('format' = 'json');\nINSERT INTO o SELECT CAST({select} AS STRING) FROM src;"
    )
    # WHEN compiled THEN it is refused, saying why
    with pytest.raises(UnsupportedConstructError, match=why):
        RouteExecutor.from_sql(SOURCE + body)


@pytest.mark.parametrize(
    "value",
    [
        "CEIL(COALESCE(-2147483648, TRY_CAST(JSON_VALUE(payload, '$.f') AS FLOAT)))",
        "CAST(2147483648 AS FLOAT)",
        "CASE WHEN CAST(NULL AS BOOLEAN) THEN TRY_CAST(payload AS FLOAT) ELSE 2147483647 END",
        # a constant too once Calcite drops what follows the first constant of each COALESCE
        "CAST(CAST(COALESCE(COALESCE(2147483647, TRY_CAST(payload AS DOUBLE)), TRY_CAST(payload AS FLOAT)) AS BIGINT) "
        "AS FLOAT)",
    ],
)
def test_a_constant_float_of_more_than_7_digits_is_refused(value: str) -> None:
    # GIVEN a constant FLOAT that 7 significant digits do not hold: Flink 1.20.5 wrote -2.1474839E9 for
    # COALESCE(-2147483648, f), rounded to 7 digits, but 2.14748365E9 for CAST(2147483648 AS FLOAT), exact
    body = f"CREATE TABLE o (v FLOAT) WITH ('format' = 'json');\nINSERT INTO o SELECT {value} FROM src;"
    # WHEN compiled THEN it is refused, with the rewrite
    with pytest.raises(UnsupportedConstructError, match=r"constant FLOAT .* \(compute it as a DOUBLE"):
        RouteExecutor.from_sql(SOURCE + body)


@pytest.mark.parametrize(
    "condition",
    [
        "TRY_CAST(JSON_VALUE(payload, '$.d') AS DOUBLE) = CAST(0.1 AS FLOAT)",
        "TRY_CAST(JSON_VALUE(payload, '$.d') AS DECIMAL(5, 2)) <> CAST(0.1 AS FLOAT)",
        "TRY_CAST(JSON_VALUE(payload, '$.d') AS DOUBLE) IN (CHAR_LENGTH(payload), CAST(0.1 AS FLOAT))",
        "NULLIF(TRY_CAST(JSON_VALUE(payload, '$.d') AS DOUBLE), CAST(0.1 AS FLOAT)) IS NULL",
    ],
)
def test_an_equality_widening_an_inexact_constant_float_is_refused(condition: str) -> None:
    # GIVEN an equality of a DOUBLE or DECIMAL with CAST(0.1 AS FLOAT): Flink 1.20.5 compared the DOUBLE 0.1 equal
    # to it (the constant's digits), yet d >= CAST(0.1 AS FLOAT) was FALSE for it (the float 0.10000000149...);
    # NULLIF's = too, in 1.20.5 and 2.2.1 (fuzz 2.2 ec48b2f3aae3, 2026-12-03)
    body = "CREATE TABLE o (v STRING) WITH ('format' = 'raw');\n"
    body += f"INSERT INTO o SELECT payload FROM src WHERE {condition};"
    # WHEN compiled THEN it is refused, with the rewrite
    with pytest.raises(UnsupportedConstructError, match=r"constant FLOAT 0\.1 .*write the DOUBLE or DECIMAL literal"):
        RouteExecutor.from_sql(SOURCE + body)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("literal", "accepted"),
    [
        ("92233720368547758.07", True),
        ("92233720368547758.08", False),
        ("-92233720368547758.08", True),
        ("-((92233720368547758.08))", True),
        ("-(-(92233720368547758.08))", False),
        ("613095.98409759983164477", False),
        ("9223372036854775807", True),
        ("9223372036854775808", False),
        ("-(9223372036854775808)", True),
    ],
)
def test_a_number_literal_whose_digits_overflow_a_bigint_is_refused(runtime: str, literal: str, accepted: bool) -> None:
    # GIVEN a literal whose digits without the point (its unscaled value, each minus above it folded in) may not
    # fit a long: Flink 1.20.5 and 2.2.1 reject it (Numeric literal out of range; corpus b0d04d82f4ec and others)
    body = "CREATE TABLE o (v STRING) WITH ('format' = 'raw');\n"
    value = "TRY_CAST(JSON_VALUE(payload, '$.d') AS DECIMAL(38, 18))"
    body += f"INSERT INTO o SELECT payload FROM src WHERE {value} > {literal};"
    # WHEN compiled THEN it is refused exactly where Flink rejects it
    if accepted:
        RouteExecutor.from_sql(SOURCE + body, runtime=runtime)
    else:
        with pytest.raises(UnsupportedConstructError, match="Numeric literal out of range"):
            RouteExecutor.from_sql(SOURCE + body, runtime=runtime)


def test_an_equality_of_a_float_value_with_an_exact_or_float_constant_is_accepted() -> None:
    # GIVEN a FLOAT value tested against a constant FLOAT, and a DOUBLE against one a float holds (0.25)
    body = """CREATE TABLE o (v STRING) WITH ('format' = 'raw');
    INSERT INTO o SELECT payload FROM src WHERE TRY_CAST(JSON_VALUE(payload, '$.d') AS FLOAT) IN (CAST(0.1 AS FLOAT), 1)
        OR TRY_CAST(JSON_VALUE(payload, '$.d') AS DOUBLE) = CAST(0.25 AS FLOAT);"""
    # WHEN run THEN both tests hold as Flink's
    rows = RouteExecutor.from_sql(SOURCE + body).execute([b'{"d": 0.1}', b'{"d": 0.25}', b'{"d": 0.2}'])
    assert [index for index, _ in rows["o"]] == [0, 1]


def test_abs_of_a_views_overflowing_constant_column_is_refused() -> None:
    # GIVEN ABS of a view's constant -2147483648 (the fuzzer's 8a8fce611560: Flink 1.20.5 inlines and folds it
    # like ABS(-2147483648), and TRY_CAST of it AS FLOAT wrote -2.1474839E9 where Java's value is -2.14748365E9)
    body = """CREATE TABLE o (f FLOAT) WITH ('format' = 'json');
    CREATE TEMPORARY VIEW v AS SELECT payload, -2147483648 AS m FROM src;
    INSERT INTO o SELECT TRY_CAST(ABS(m) AS FLOAT) FROM v;"""
    # WHEN compiled THEN it is refused, as the literal is
    with pytest.raises(UnsupportedConstructError, match=r"ABS of the constant -2147483648 \(INT\)"):
        RouteExecutor.from_sql(SOURCE + body)


def test_an_in_of_a_constant_over_a_narrower_integer_item_is_refused_in_a_where() -> None:
    # GIVEN a WHERE's IN of 300 with a TINYINT item (the fuzzer's 26c9bdb91d50: Flink 1.20.5 folded the item's test
    # to FALSE, so (300 IN (d, <NULL TINYINT>, 5)) IS NULL was FALSE there, and NULL in a SELECT list)
    body = """CREATE TABLE o (v STRING) WITH ('format' = 'raw');
    INSERT INTO o SELECT payload FROM src
    WHERE (300 IN (TRY_CAST(payload AS DECIMAL(5, 2)), TRY_CAST(payload AS TINYINT), 5)) IS NULL;"""
    # WHEN compiled THEN it is refused, naming the item
    with pytest.raises(UnsupportedConstructError, match=r"IN in a WHERE of the constant 300 with the item TRY_CAST"):
        RouteExecutor.from_sql(SOURCE + body)
    # AND the same IN in a SELECT list, or an = in a WHERE, is accepted (both NULL for a NULL TINYINT there)
    RouteExecutor.from_sql(
        SOURCE
        + body.replace("SELECT payload FROM src\n    WHERE", "SELECT CAST(").replace(
            "IS NULL;", "IS NULL AS STRING) FROM src;"
        )
    )
    RouteExecutor.from_sql(
        SOURCE + body.replace("300 IN (TRY_CAST(payload AS DECIMAL(5, 2)), ", "300 = ").replace(", 5))", ")")
    )


def test_mod_of_a_decimal_by_an_integer_is_refused() -> None:
    # GIVEN DECIMAL % INT (the fuzzer saw Flink fail to compile it inside ABS, and fail to plan it with NULLIF)
    body = """CREATE TABLE o (c DECIMAL(5, 2)) WITH ('format' = 'json');
    INSERT INTO o SELECT TRY_CAST(JSON_VALUE(payload, '$.a') AS DECIMAL(5, 2)) % CHAR_LENGTH(payload) FROM src;"""
    # WHEN compiled THEN it is refused with the rewrite
    with pytest.raises(UnsupportedConstructError, match="CAST both operands to the same DECIMAL"):
        RouteExecutor.from_sql(SOURCE + body)


def test_a_where_term_that_fails_where_another_is_false_may_fail_the_job() -> None:
    # GIVEN three WHERE terms: ROUND of a DOUBLE fails on Infinity, and the IS NOT NULL term is FALSE for the
    # record (Flink 1.20.5 moved the IS NOT NULL term last here and failed; with two terms it ran it first)
    body = """CREATE TABLE o (v STRING) WITH ('format' = 'raw');
    INSERT INTO o SELECT payload FROM src WHERE JSON_VALUE(payload, '$.m') IS NOT NULL
      AND ROUND(TRY_CAST(JSON_VALUE(payload, '$.a') AS DOUBLE), 0) > 0 AND CHAR_LENGTH(payload) >= 0;"""
    executor = RouteExecutor.from_sql(SOURCE + body)
    records = [b'{"a":"Infinity"}', b'{"a":"Infinity","m":1}', b'{"a":2,"m":1}']
    # WHEN routed, asking which records Flink may fail the job on
    failures: dict[int, str] = {}
    uncertain: dict[int, str] = {}
    rows = executor.program.execute(records, failures, uncertain)
    # THEN the first may fail the job (it depends on the plan), the second does (no term is FALSE), the third
    # is routed
    assert set(uncertain) == {0} and "only if Flink's planner orders this term" in uncertain[0]
    assert set(failures) == {1} and "ROUND of Infinity" in failures[1]
    assert rows["o"] == [(2, b'{"a":2,"m":1}')]
    # AND a caller that does not ask counts it as failing
    plain: dict[int, str] = {}
    executor.execute(records, plain)
    assert set(plain) == {0, 1}


@pytest.mark.parametrize(
    ("divisor", "fails"),
    [
        ("TRY_CAST(JSON_VALUE(payload, '$.i') AS INT)", True),
        ("CAST(TRY_CAST(JSON_VALUE(payload, '$.i') AS INT) AS DECIMAL(10, 0))", False),
    ],
)
def test_a_decimal_divided_by_a_long_integer_fails_the_job_as_in_flink(divisor: str, fails: bool) -> None:
    # GIVEN DECIMAL(2, 1) / INT: Flink 1.20.5 casts the INT to the quotient's DECIMAL(13, 12), null for 10 and
    # more, and DecimalDataUtils.divide throws a NullPointerException
    body = f"""CREATE TABLE o (v DECIMAL(38, 18)) WITH ('format' = 'json');
    INSERT INTO o SELECT 1.5 / {divisor} FROM src;"""
    failures: dict[int, str] = {}
    # WHEN 9 and 10 are the divisors
    rows = RouteExecutor.from_sql(SOURCE + body).execute([b'{"i":9}', b'{"i":10}'], failures)
    # THEN 9 divides, and 10 fails the job unless the divisor is a DECIMAL first
    assert rows["o"][0][1].startswith(b'{"v":0.16666666666')
    assert (set(failures) == {1}) == fails and (not fails or "NullPointerException" in failures[1])


def test_a_division_by_what_a_where_holds_null_is_refused_and_by_another_column_not() -> None:
    # GIVEN a route filtered by payload IS NULL that divides by CHAR_LENGTH(payload) in a view it reads (Flink
    # 1.20.5's planner put NULL there and failed: ClassCastException), and one whose divisor reads another column
    view = (
        "CREATE TEMPORARY VIEW v AS SELECT payload, JSON_VALUE(payload, '$.x') AS x, 5 / CHAR_LENGTH(payload) AS d "
        "FROM src;\n"
    )
    held = "CREATE TABLE o (c INT) WITH ('format' = 'json');\nINSERT INTO o SELECT 1 FROM v WHERE payload IS NULL;"
    other = (
        "CREATE TABLE o (c INT) WITH ('format' = 'json');\n"
        "INSERT INTO o SELECT 10 / CHAR_LENGTH(JSON_VALUE(payload, '$.y')) FROM v WHERE x IS NULL;"
    )
    # WHEN compiled THEN the first is refused with the reason, and the second compiles
    with pytest.raises(UnsupportedConstructError, match="WHERE holds payload NULL"):
        RouteExecutor.from_sql(SOURCE + view + held)
    RouteExecutor.from_sql(SOURCE + view.replace(", 5 / CHAR_LENGTH(payload) AS d", "") + other)


@pytest.mark.parametrize(
    "condition",
    [
        "TRY_CAST(JSON_VALUE(payload, '$.a') AS FLOAT) BETWEEN TRY_CAST(JSON_VALUE(payload, '$.a') AS DECIMAL(5, 2)) "
        "AND TRY_CAST(JSON_VALUE(payload, '$.a') AS DECIMAL(5, 2))",
        "NULLIF(TRY_CAST(JSON_VALUE(payload, '$.a') AS FLOAT), 1e3) BETWEEN "
        "TRY_CAST(JSON_VALUE(payload, '$.a') AS DECIMAL(5, 2)) AND 7",
    ],
)
def test_a_between_of_two_try_casts_of_one_value_is_refused(condition: str) -> None:
    # GIVEN a BETWEEN whose value and bound are TRY_CASTs of one value (the value under a NULLIF too): Flink 1.20.5
    # kept every record whose value was not NULL in a WHERE, where f = d kept one (fuzz run of 2026-12-02)
    body = "CREATE TABLE o (v STRING) WITH ('format' = 'raw');\n"
    body += f"INSERT INTO o SELECT payload FROM src WHERE {condition};"
    # WHEN compiled THEN it is refused, with the rewrite
    with pytest.raises(UnsupportedConstructError, match="two TRY_CASTs of the same value"):
        RouteExecutor.from_sql(SOURCE + body)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("operator", ["IS DISTINCT FROM", "IS NOT DISTINCT FROM", "="])
def test_two_try_casts_of_one_value_through_a_view_column_are_refused(runtime: str, operator: str) -> None:
    # GIVEN a view's TRY_CAST of a value, compared with another TRY_CAST of it through an alias of the payload:
    # Flink 2.2.1 and 1.20.5 plan TRY_CAST(<12345678> AS DECIMAL(5, 2)) IS DISTINCT FROM <its FLOAT> as
    # (a = b) IS NOT TRUE AND a IS NOT NULL, FALSE where a is NULL (fuzz 2.2 a6ac37537382, 2026-12-03)
    body = (
        "CREATE TABLE o (v STRING) WITH ('format' = 'raw');\n"
        "CREATE TEMPORARY VIEW v AS SELECT payload, payload AS t0, "
        "TRY_CAST(JSON_VALUE(payload, '$.note') AS FLOAT) AS c FROM src;\n"
        f"INSERT INTO o SELECT payload FROM v WHERE TRY_CAST(JSON_VALUE(t0, '$.note') AS DECIMAL(5, 2)) {operator} c;"
    )
    # WHEN compiled for either runtime THEN it is refused, saying to test the TRY_CAST meant with IS NULL
    with pytest.raises(UnsupportedConstructError, match="two TRY_CASTs of the same value"):
        RouteExecutor.from_sql(SOURCE + body, runtime=runtime)
    # AND two TRY_CASTs of different values are not
    RouteExecutor.from_sql(
        SOURCE + body.replace("JSON_VALUE(t0, '$.note')", "JSON_VALUE(t0, '$.other')"), runtime=runtime
    )


def test_a_try_cast_to_its_own_type_compared_with_its_value_is_reflexive_in_2_2() -> None:
    # GIVEN TRY_CAST(c AS INT) >= c of an INT view column c: 2.2.1 drops the TRY_CAST and kept a record whose c
    # was NULL (fuzz 2.2 eaaea5b1c0a4, 2026-12-03); 1.20.5 keeps it and drops the record
    body = (
        "CREATE TABLE o (v STRING) WITH ('format' = 'raw');\n"
        "CREATE TEMPORARY VIEW v AS SELECT payload, TRY_CAST(JSON_VALUE(payload, '$.n') AS INT) AS c FROM src;\n"
        "INSERT INTO o SELECT payload FROM v WHERE TRY_CAST(c AS INT) >= c;"
    )
    # WHEN compiled for 2.2 THEN it is a column compared with itself: refused
    with pytest.raises(UnsupportedConstructError, match="with itself"):
        RouteExecutor.from_sql(SOURCE + body, runtime="FLINK-2_2")
    # AND for 1.20 it routes as 1.20 did: nothing for a record without n
    assert RouteExecutor.from_sql(SOURCE + body).execute([b'{"m": 1}']) == {"o": []}


@pytest.mark.parametrize("total", ["c + 1", "c - 1", "c + c", "1 + c"])
def test_a_sum_over_a_decimal_pinned_by_is_not_distinct_from_is_refused_for_2_2(total: str) -> None:
    # GIVEN a DECIMAL(12, 2) view column c pinned by NOT (c IS DISTINCT FROM 2): Flink 2.2.1 folds c + 1 to 0.03
    # (the integers added unscaled; EXPLAIN shows it), 1.20.5 to 3.00 (fuzz 2.2-034f0cdd9e43, 2026-12-03)
    body = (
        "CREATE TABLE o (v BIGINT) WITH ('format' = 'json');\n"
        "CREATE TEMPORARY VIEW v AS SELECT TRY_CAST(JSON_VALUE(payload, '$.a') AS DECIMAL(12, 2)) AS c FROM src;\n"
        f"INSERT INTO o SELECT TRY_CAST({total} AS BIGINT) FROM v WHERE NOT (c IS DISTINCT FROM 2);"
    )
    # WHEN compiled for 2.2 THEN it is refused, with the rewrite
    with pytest.raises(UnsupportedConstructError, match="write the condition with ="):
        RouteExecutor.from_sql(SOURCE + body, runtime="FLINK-2_2")
    # AND 1.20 routes it as 1.20 did, and with = in place of IS NOT DISTINCT FROM 2.2 takes it too
    assert RouteExecutor.from_sql(SOURCE + body).execute([b'{"a": 2}'])["o"] != []
    RouteExecutor.from_sql(SOURCE + body.replace("NOT (c IS DISTINCT FROM 2)", "c = 2"), runtime="FLINK-2_2")


_ZERO_VIEW = (
    "CREATE TABLE o (v STRING) WITH ('format' = 'raw');\n"
    "CREATE TEMPORARY VIEW v AS SELECT payload, TRY_CAST(JSON_VALUE(payload, '$.id') AS FLOAT) AS c FROM src;\n"
)


@pytest.mark.parametrize(
    ("items", "kept"),
    [
        ("-2.25, 0e0", [b'{"id":0}']),  # points: Double.compare, -0.0 is not 0e0
        ("1.5, 1.50, 0.0", [b'{"id":-0.0}', b'{"id":0}']),  # 1.5 and 1.50: a range, primitive comparisons
        ("(-2.25), (-0.0), 0e0", [b'{"id":-0.0}', b'{"id":0}']),  # -0.0 (scale 1) and 0e0 (scale 0)
        ("0.0, 0.0", [b'{"id":-0.0}', b'{"id":0}']),  # one value: =
        ("1, 1e0, 0", [b'{"id":0}']),  # 1 and 1e0 are both scale 0: points
    ],
)
def test_an_in_on_a_float_view_column_compares_negative_zero_as_its_items_are_written(
    items: str, kept: list[bytes]
) -> None:
    # GIVEN an IN of constants on a FLOAT view column (fuzz run of 2026-12-03, then probes in Flink 1.20.5)
    body = _ZERO_VIEW + f"INSERT INTO o SELECT payload FROM v WHERE c IN ({items});"
    # WHEN -0.0 and 0 are routed THEN -0.0 matches 0 only where Calcite's SEARCH holds a range or one value
    assert _route(body, [b'{"id":-0.0}', b'{"id":0}'])["o"] == kept


def test_an_in_on_a_float_view_column_repeating_a_value_not_as_a_literal_is_refused() -> None:
    # GIVEN an IN whose items repeat a value, one of them computed: its scale, so the SEARCH, cannot be told
    body = _ZERO_VIEW + "INSERT INTO o SELECT payload FROM v WHERE c IN (1, 1 + 0, 0);"
    # WHEN compiled THEN it is refused, with the rewrite
    with pytest.raises(UnsupportedConstructError, match="repeat a value, one not as a literal"):
        RouteExecutor.from_sql(SOURCE + body)
