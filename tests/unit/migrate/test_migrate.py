"""Migrating Kinesis Data Analytics SQL: the reference query, its routing against legacy semantics, refusals."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pytest

from fanout.migrate import (
    LegacySyntaxError,
    MigrationOptions,
    UnknownLegacyNameError,
    UntranslatableConstructError,
    load_input_schema,
    migrate_sql,
)
from fanout.routes import RouteExecutor
from fanout.routes.check import check_sql
from fanout.routes.sample_run import split_records
from tests.support import ROOT

LEGACY = ROOT / "sql" / "legacy"
REFERENCE_SQL = (LEGACY / "reference.sql").read_text()
SCHEMA = load_input_schema((LEGACY / "input-schema.json").read_text())
REFERENCE_OPTIONS = MigrationOptions(
    sink_properties={"POSITIVE_TRANSACTIONS": "positive.stream.arn", "NEGATIVE_TRANSACTIONS": "negative.stream.arn"},
    rejected_table="rejected_transactions",
    command=(
        "fanout sql migrate reference.sql --schema input-schema.json -p POSITIVE_TRANSACTIONS=positive.stream.arn "
        "-p NEGATIVE_TRANSACTIONS=negative.stream.arn --rejected-table rejected_transactions"
    ),
)
RECORDS = split_records((ROOT / "tests" / "fixtures" / "sql_legacy_records.ndjson").read_bytes())
STREAM = 'CREATE OR REPLACE STREAM "OUT" (ID INTEGER, USERNAME VARCHAR(200), AMOUNT DECIMAL(5,2));\n'


def legacy_route(record: bytes) -> tuple[str, dict[str, Any] | None]:
    """The legacy application, written independently: ``positive``/``negative`` with the row, or why not.

    Mapping per the legacy input schema: a value that does not convert goes to error_stream (a fraction
    or out-of-range number in INTEGER, a non-numeric string, a number beyond DECIMAL(5, 2) after HALF_UP
    rounding, a nested value in a numeric column); a missing key or null is NULL; VARCHAR(200) truncates.
    """
    try:
        document = json.loads(record, parse_float=Decimal)
    except ValueError:
        return "error_stream", None
    if not isinstance(document, dict):
        return "error_stream", None
    ident, username, amount = document.get("ID"), document.get("USERNAME"), document.get("AMOUNT")
    try:
        if ident is not None:
            if isinstance(ident, bool | dict | list | Decimal):
                return "error_stream", None
            ident = int(ident)
            if not -(2**31) <= ident < 2**31:
                return "error_stream", None
        if amount is not None:
            if isinstance(amount, bool | dict | list):
                return "error_stream", None
            amount = Decimal(amount).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if abs(amount) > Decimal("999.99"):
                return "error_stream", None
    except (ValueError, InvalidOperation):
        return "error_stream", None
    if isinstance(username, str):
        username = username[:200]
    if amount is None:
        return "dropped (no pump matches)", None
    return ("positive" if amount >= 0 else "negative"), {"id": ident, "username": username, "amount": amount}


def test_migrate_sql_reference_reproduces_committed_script_byte_for_byte() -> None:
    # GIVEN the legacy reference query and schema WHEN migrated with the options recorded in its header
    migrated = migrate_sql(REFERENCE_SQL, SCHEMA, REFERENCE_OPTIONS)
    # THEN the output is the committed sql/legacy/reference.flink.sql
    assert migrated == (LEGACY / "reference.flink.sql").read_text()
    assert REFERENCE_OPTIONS.command in migrated.splitlines()[0]


def test_migrate_sql_reference_splits_fixture_as_legacy_did() -> None:
    # GIVEN the migrated reference and a fixture of edge cases (limits, rounding, NULLs, malformed, unicode)
    executor = RouteExecutor.from_sql(migrate_sql(REFERENCE_SQL, SCHEMA, REFERENCE_OPTIONS))
    # WHEN the fixture is routed
    rows = executor.execute(RECORDS)
    # THEN every record lands in exactly one route
    taken = sorted(i for sink_rows in rows.values() for i, _ in sink_rows)
    assert taken == list(range(len(RECORDS)))
    # AND positive/negative hold exactly the legacy rows; everything legacy did not route is rejected, unchanged
    expected = {i: legacy_route(record) for i, record in enumerate(RECORDS)}
    for sink, route in (("positive_transactions", "positive"), ("negative_transactions", "negative")):
        got = {i: json.loads(payload, parse_float=Decimal) for i, payload in rows[sink]}
        assert got == {i: row for i, (name, row) in expected.items() if name == route}, sink
    rejected = dict(rows["rejected_transactions"])
    assert sorted(rejected) == sorted(i for i, (name, _) in expected.items() if name not in ("positive", "negative"))
    assert all(rejected[i] == RECORDS[i] for i in rejected)


def test_migrate_sql_reference_overflow_and_rounding_cases_are_explicit() -> None:
    # GIVEN records at DECIMAL(5, 2)'s limits
    executor = RouteExecutor.from_sql(migrate_sql(REFERENCE_SQL, SCHEMA, REFERENCE_OPTIONS))
    cases = [
        b'{"ID":1,"AMOUNT":1234.5}',  # beyond 999.99: legacy error_stream, Flink TRY_CAST NULL -> rejected
        b'{"ID":2,"AMOUNT":999.995}',  # rounds HALF_UP to 1000.00: overflow -> rejected
        b'{"ID":3,"AMOUNT":-0.001}',  # rounds to -0.00 = 0 -> positive
        b'{"ID":4,"AMOUNT":true}',  # documented difference: legacy read 1; rejected here, never misrouted
    ]
    # WHEN routed
    rows = executor.execute(cases)
    # THEN
    assert [i for i, _ in rows["rejected_transactions"]] == [0, 1, 3]
    assert [i for i, _ in rows["positive_transactions"]] == [2]
    assert rows["negative_transactions"] == []


def test_migrate_sql_reference_passes_check_against_template() -> None:
    # GIVEN the committed migrated reference WHEN checked against template.yaml
    from fanout.sam.template import load_template

    report = check_sql((LEGACY / "reference.flink.sql").read_text(), load_template(ROOT / "template.yaml"))
    # THEN no errors and no uncovered or duplicated records
    assert report.findings == []


def test_migrate_sql_default_names_and_header_documents_choices() -> None:
    # GIVEN the reference WHEN migrated with default options
    migrated = migrate_sql(REFERENCE_SQL, SCHEMA)
    # THEN sinks use <stream>.stream.arn placeholders, a rejected_records sink exists, and the header explains
    assert "'stream.arn' = '${positive_transactions.stream.arn}'" in migrated
    assert "CREATE TABLE rejected_records (" in migrated
    assert "error_stream" in migrated and "1234.5 in DECIMAL(5, 2)" in migrated
    assert migrated.count("INSERT INTO") == 3


@pytest.mark.parametrize(
    ("pump", "construct"),
    [
        ('SELECT STREAM ROWTIME, ID, USERNAME FROM "SOURCE_SQL_STREAM_001"', "ROWTIME"),
        ('SELECT STREAM STEP(ID BY 10), USERNAME, AMOUNT FROM "SOURCE_SQL_STREAM_001"', "STEP"),
        (
            'SELECT STREAM ID, USERNAME, SUM(AMOUNT) OVER W FROM "SOURCE_SQL_STREAM_001"\n'
            "WINDOW W AS (RANGE INTERVAL '1' MINUTE PRECEDING)",
            "OVER window",
        ),
        ('SELECT STREAM S.ID, R.USERNAME, S.AMOUNT FROM "SOURCE_SQL_STREAM_001" S JOIN "REF" R ON S.ID = R.ID', "JOIN"),
        ('SELECT STREAM ID, USERNAME, AMOUNT FROM "SOURCE_SQL_STREAM_001" GROUP BY ID, USERNAME, AMOUNT', "GROUP BY"),
        ('SELECT STREAM DISTINCT ID, USERNAME, AMOUNT FROM "SOURCE_SQL_STREAM_001"', "DISTINCT"),
        ('SELECT STREAM ID, USERNAME, AMOUNT FROM "SOURCE_SQL_STREAM_001" WHERE AMOUNT / 2 > 1', "DIV"),
        ('SELECT STREAM ID, USERNAME, AMOUNT FROM "SOURCE_SQL_STREAM_001" WHERE SQRT(AMOUNT) > 1', "function SQRT"),
        ('SELECT STREAM ID, UPPER(USERNAME), AMOUNT FROM "SOURCE_SQL_STREAM_001"', "expression"),
        ('SELECT STREAM ID, USERNAME, AMOUNT FROM "OUT"', "pump P reading in-application stream OUT"),
    ],
)
def test_migrate_sql_untranslatable_construct_names_it_and_its_line(pump: str, construct: str) -> None:
    # GIVEN a pump on line 3 using a construct with no faithful translation
    legacy = STREAM + "\n" + f'CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\n{pump};'
    # WHEN migrated THEN a named error says what and where
    with pytest.raises(UntranslatableConstructError) as caught:
        migrate_sql(legacy, SCHEMA)
    assert construct in caught.value.construct
    assert caught.value.line in (3, 4)
    assert f"line {caught.value.line}" in str(caught.value)


def test_migrate_sql_unknown_column_raises_named_error() -> None:
    # GIVEN a pump filtering on a column the schema lacks
    legacy = STREAM + 'CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\nSELECT STREAM ID, USERNAME, AMOUNT\n'
    legacy += 'FROM "SOURCE_SQL_STREAM_001" WHERE PRICE > 0;'
    # WHEN migrated THEN the column is named with the known ones
    with pytest.raises(UnknownLegacyNameError, match="unknown column PRICE; known: ID, USERNAME, AMOUNT"):
        migrate_sql(legacy, SCHEMA)


def test_migrate_sql_quoted_lower_case_identifier_is_a_different_column() -> None:
    # GIVEN "amount" quoted in lower case: legacy names are case-sensitive once quoted
    legacy = STREAM + 'CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\nSELECT STREAM ID, USERNAME, AMOUNT\n'
    legacy += 'FROM "SOURCE_SQL_STREAM_001" WHERE "amount" > 0;'
    # WHEN migrated THEN it is unknown (only AMOUNT exists), not silently matched
    with pytest.raises(UnknownLegacyNameError, match='"amount"'):
        migrate_sql(legacy, SCHEMA)


def test_migrate_sql_translates_supported_expressions_with_lower_case_names() -> None:
    # GIVEN a pump with IN, BETWEEN, LIKE, IS NOT NULL, CHAR_LENGTH and a qualified column
    legacy = STREAM + 'CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\nSELECT STREAM * FROM "SOURCE_SQL_STREAM_001"\n'
    legacy += "WHERE (ID IN (1, 2) OR AMOUNT BETWEEN -1 AND 1) AND \"SOURCE_SQL_STREAM_001\".USERNAME LIKE 'a%'\n"
    legacy += "AND CHAR_LENGTH(USERNAME) > 1 AND AMOUNT IS NOT NULL;"
    # WHEN migrated and run
    migrated = migrate_sql(legacy, SCHEMA)
    executor = RouteExecutor.from_sql(migrated)
    rows = executor.execute([b'{"ID":1,"USERNAME":"ann","AMOUNT":50}', b'{"ID":3,"USERNAME":"al","AMOUNT":5}'])
    # THEN the condition reads the lower-case Flink columns and routes like the legacy filter
    assert "CHAR_LENGTH(username) > 1" in migrated
    assert "(id IN (1, 2) OR amount BETWEEN -1 AND 1)" in migrated
    assert [i for i, _ in rows["out"]] == [0]
    assert [i for i, _ in rows["rejected_records"]] == [1]


def test_parse_legacy_syntax_error_reports_line() -> None:
    # GIVEN a column list missing a comma on line 2
    legacy = '-- comment\nCREATE OR REPLACE STREAM "OUT" (ID INTEGER AMOUNT DECIMAL(5,2));'
    # WHEN migrated THEN the syntax error points at line 2
    with pytest.raises(LegacySyntaxError) as caught:
        migrate_sql(legacy, SCHEMA)
    assert caught.value.line == 2


def test_migrate_sql_other_statement_is_untranslatable() -> None:
    # GIVEN a statement that is neither a stream nor a pump
    with pytest.raises(UntranslatableConstructError, match="only CREATE STREAM and CREATE PUMP"):
        migrate_sql('CREATE OR REPLACE VIEW "V" AS SELECT 1;', SCHEMA)


def test_migrate_sql_implicit_type_conversion_is_refused() -> None:
    # GIVEN a stream whose AMOUNT is DECIMAL(7,2) fed from the schema's DECIMAL(5,2)
    legacy = STREAM.replace("DECIMAL(5,2)", "DECIMAL(7,2)")
    legacy += 'CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\n'
    legacy += 'SELECT STREAM ID, USERNAME, AMOUNT FROM "SOURCE_SQL_STREAM_001";'
    # WHEN migrated THEN the conversion is named rather than guessed
    with pytest.raises(UntranslatableConstructError, match=r"AMOUNT \(DECIMAL\(5, 2\)\) into OUT.AMOUNT"):
        migrate_sql(legacy, SCHEMA)


def test_migrate_sql_quotes_every_flink_reserved_word_so_the_result_passes_check() -> None:
    # GIVEN a legacy stream and columns named after Flink reserved words the old keyword list missed (OUT, RAW, ABS)
    legacy = 'CREATE OR REPLACE STREAM "OUT" ("RAW" INTEGER, "ABS" VARCHAR(20));\n'
    legacy += 'CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\n'
    legacy += 'SELECT STREAM ID AS "RAW", USERNAME AS "ABS" FROM "SOURCE_SQL_STREAM_001";'
    # WHEN migrated
    migrated = migrate_sql(legacy, SCHEMA)
    # THEN they are written in backticks, which Flink's parser requires, and the check finds no reserved word
    assert "CREATE TABLE `out` (" in migrated
    assert "    `raw` INT," in migrated and "    `abs` STRING" in migrated
    assert [f for f in check_sql(migrated).findings if f.code == "reserved-word"] == []
