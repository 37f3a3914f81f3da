"""`fanout sql check`: Flink reserved words as unquoted identifiers are errors (Flink rejects them at job start)."""

from __future__ import annotations

import re

import pytest

from fanout.routes.check import check_sql
from fanout.routes.reserved import FLINK_RESERVED, is_reserved
from tests.support import ROOT

SQL = (ROOT / "sql" / "fanout.sql").read_text()


def _rename_amount(word: str) -> str:
    """The reference script with its `amount` column (not the JSON path '$.amount') renamed to `word`."""
    return re.sub(r"(?<![.$])\bamount\b", word, SQL)


@pytest.mark.parametrize("word", ["value", "timestamp", "user", "out", "count", "year", "result"])
def test_check_sql_reserved_column_name_is_an_error_at_its_first_use(word: str) -> None:
    # GIVEN the reference script whose amount column is named after a Flink reserved word, unquoted
    sql = _rename_amount(word)
    line = sql[: sql.index(f"    {word} DECIMAL(12, 2)")].count("\n") + 1
    # WHEN checked
    report = check_sql(sql)
    # THEN one error names the word, counts its other uses and points at its first use as an identifier
    [finding] = [f for f in report.findings if f.code == "reserved-word"]
    assert finding.level == "error"
    assert f"'{word}' is a reserved word" in finding.message and "more uses" in finding.message
    assert f"`{word}`" in finding.message
    assert (finding.line, finding.column) == (line, 5)  # `    <word> DECIMAL(12, 2)` of positive_transactions
    assert not report.passed()


def test_check_sql_reserved_table_name_is_an_error() -> None:
    # GIVEN a sink table named `out`
    sql = re.sub(r"\bpositive_transactions\b", "out", SQL)
    # WHEN checked
    report = check_sql(sql)
    # THEN the table name is flagged
    assert [f.message.split(" is ")[0] for f in report.findings if f.code == "reserved-word"] == ["'out'"]


def test_check_sql_reserved_words_in_backticks_are_fine() -> None:
    # GIVEN the same names quoted in backticks, as Flink wants them
    sql = re.sub(r"\bpositive_transactions\b", "`out`", _rename_amount("`value`"))
    # WHEN checked
    report = check_sql(sql)
    # THEN nothing is flagged and the routes still run
    assert [f for f in report.findings if f.code == "reserved-word"] == []
    assert report.passed(strict=True), report.findings
    assert report.routes[0] == "out"


def test_check_sql_non_reserved_keywords_are_not_flagged() -> None:
    # GIVEN columns named after Flink keywords that are not reserved (data, key) and the reference names
    sql = _rename_amount("data").replace("username", "key")
    # WHEN checked THEN no reserved-word finding
    assert [f for f in check_sql(sql).findings if f.code == "reserved-word"] == []


def test_reserved_words_are_flinks_parser_list() -> None:
    # GIVEN the list taken from Flink 1.20's parser WHEN asked THEN it holds the reserved words, not plain keywords
    assert len(FLINK_RESERVED) == 405
    assert all(is_reserved(w) for w in ("value", "OUT", "Timestamp", "user", "bytes", "string", "raw", "watermark"))
    assert not any(is_reserved(w) for w in ("data", "key", "payload", "amount", "id", "username", "a"))
