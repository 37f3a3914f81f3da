"""`fanout sql check` domain: syntax and subset errors with lines, sinks against the template, coverage probes."""

from __future__ import annotations

from typing import Any

import pytest

from fanout.exceptions import ConfigurationError
from fanout.routes.check import check_sql, stream_properties
from fanout.routes.parser import parse_script
from fanout.routes.probes import build_probes
from fanout.sam.template import load_template
from tests.support import ROOT, TEMPLATE

SQL = (ROOT / "sql" / "fanout.sql").read_text()
POSITIVE_NEGATIVE_ONLY = SQL.split("INSERT INTO rejected_transactions")[0]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def codes(report: Any, level: str) -> list[str]:
    return [f.code for f in report.findings if f.level == level]


def test_check_sql_reference_script_with_template_is_clean(template: dict[str, Any]) -> None:
    # GIVEN the reference script and template WHEN checked
    report = check_sql(SQL, template)
    # THEN it passes strictly, having checked three routes against the template with probe records
    assert report.findings == []
    assert report.passed(strict=True)
    assert report.template_checked
    assert report.routes == ["positive_transactions", "negative_transactions", "rejected_transactions"]
    assert report.probes > 30


def test_check_sql_syntax_error_reports_line_and_column() -> None:
    # GIVEN an unclosed parenthesis on the negative route's WHERE line
    broken = SQL.replace("WHERE is_object AND amount < 0;", "WHERE is_object AND amount < (0;")
    line = broken[: broken.index("amount < (0")].count("\n") + 1
    # WHEN checked
    report = check_sql(broken)
    # THEN one syntax error points at that line
    [finding] = report.findings
    assert (finding.level, finding.code, finding.line) == ("error", "syntax", line)
    assert finding.column is not None


def test_check_sql_unknown_function_names_construct_and_line() -> None:
    # GIVEN a function outside the supported subset on the positive route
    broken = SQL.replace("WHERE is_object AND amount >= 0", "WHERE is_object AND SHA256(username) >= 0")
    line = broken[: broken.index("SHA256")].count("\n") + 1
    # WHEN checked
    [finding] = check_sql(broken).findings
    # THEN it names the function and its line
    assert finding.code == "unsupported"
    assert "SHA256" in finding.message
    assert finding.line == line


def test_check_sql_group_by_is_unsupported_with_position() -> None:
    # GIVEN an aggregation
    broken = SQL.replace("WHERE is_object AND amount >= 0;", "WHERE is_object AND amount >= 0 GROUP BY id;")
    # WHEN checked THEN the construct is named with its line
    [finding] = check_sql(broken).findings
    assert "GROUP BY" in finding.message
    assert finding.line == broken[: broken.index("GROUP BY")].count("\n") + 1


def test_check_sql_only_signed_routes_warns_null_amount_is_lost(template: dict[str, Any]) -> None:
    # GIVEN only amount >= 0 and amount < 0 (no rejected route), checked without the template
    report = check_sql(POSITIVE_NEGATIVE_ONLY)
    # THEN no error, but warnings name NULL, missing and non-numeric amounts and malformed records
    assert report.errors == []
    uncovered = [f.message for f in report.findings if f.code == "uncovered"]
    assert any("$.amount is JSON null" in m for m in uncovered)
    assert any("$.amount is missing" in m for m in uncovered)
    assert any("$.amount is a non-numeric string" in m for m in uncovered)
    assert any("malformed JSON" in m for m in uncovered)
    assert not any("($.amount is -1)" in m or "($.amount is 1)" in m for m in uncovered)
    assert report.passed() and not report.passed(strict=True)


def test_check_sql_missing_route_for_template_stream_is_an_error(template: dict[str, Any]) -> None:
    # GIVEN a script with no route to the rejected stream, checked against the template
    report = check_sql(POSITIVE_NEGATIVE_ONLY, template)
    # THEN the template's RejectedTransactionsStream is reported as unrouted, and the unused table flagged
    errors = [f.message for f in report.errors]
    assert errors == ["output stream RejectedTransactionsStream of the template has no route"]
    assert "unused-table" in codes(report, "warning")


def test_check_sql_sink_on_unknown_property_is_an_error(template: dict[str, Any]) -> None:
    # GIVEN the positive sink writing a property the template does not define
    broken = SQL.replace("${positive.stream.arn}", "${audit.stream.arn}")
    # WHEN checked against the template
    report = check_sql(broken, template)
    # THEN the placeholder is unknown, the sink maps to no stream, and the positive stream has no route
    assert codes(report, "error") == ["unknown-placeholder", "unknown-sink", "unrouted-stream"]
    assert "PositiveTransactionsStream" in report.errors[-1].message


def test_check_sql_sink_writing_input_stream_is_an_error(template: dict[str, Any]) -> None:
    # GIVEN the rejected sink pointed at the input stream (a loop)
    broken = SQL.replace("${rejected.stream.arn}", "${input.stream.arn}")
    # WHEN checked THEN that is an error, and the rejected stream has no route
    assert codes(check_sql(broken, template), "error") == ["sink-is-input", "unrouted-stream"]


def test_check_sql_overlapping_routes_warn_duplication() -> None:
    # GIVEN a negative route that also takes zero
    overlapping = SQL.replace("WHERE is_object AND amount < 0", "WHERE is_object AND amount <= 0")
    # WHEN checked
    report = check_sql(overlapping)
    # THEN zero and negative zero are reported as taken by two routes
    duplicated = [f.message for f in report.findings if f.code == "duplicated"]
    assert any("($.amount is 0)" in m and "positive_transactions, negative_transactions" in m for m in duplicated)
    assert any("negative zero" in m for m in duplicated)


def test_check_sql_cast_failing_on_bad_input_is_an_error() -> None:
    # GIVEN CAST (fails the job on bad input) instead of TRY_CAST for amount
    amount = "JSON_VALUE(CAST(payload AS STRING), '$.amount')"
    fragile = SQL.replace(f"TRY_CAST({amount}", f"CAST({amount}")
    # WHEN checked
    report = check_sql(fragile)
    # THEN the probes that break the routes are errors naming the record
    failing = [f.message for f in report.findings if f.code == "failing-record"]
    assert any("non-numeric string" in m for m in failing)
    assert not report.passed()


def test_check_sql_unknown_placeholder_without_template_is_an_error() -> None:
    # GIVEN a placeholder outside the lifecycle's runtime properties WHEN checked without a template
    report = check_sql(SQL.replace("${aws.region}", "${aws.regoin}"))
    # THEN it is named
    assert codes(report, "error") == ["unknown-placeholder"]
    assert "${aws.regoin}" in report.errors[0].message


def test_stream_properties_template_without_flink_properties_raises() -> None:
    # GIVEN a template with streams but no FLINK_APPLICATION_PROPERTIES WHEN read THEN a named error
    with pytest.raises(ConfigurationError, match="FLINK_APPLICATION_PROPERTIES"):
        stream_properties({"Resources": {"S": {"Type": "AWS::Kinesis::Stream"}}})


def test_stream_properties_reference_template_maps_properties_to_streams(template: dict[str, Any]) -> None:
    # GIVEN the reference template WHEN read THEN each stream ARN property maps to its stream, others to None
    assert stream_properties(template) == {
        "aws.region": None,
        "input.stream.arn": "TransactionsStream",
        "positive.stream.arn": "PositiveTransactionsStream",
        "negative.stream.arn": "NegativeTransactionsStream",
        "rejected.stream.arn": "RejectedTransactionsStream",
        "source.init.position": None,
        "source.init.timestamp": None,
    }


def test_build_probes_nested_and_array_paths_vary_or_are_reported() -> None:
    # GIVEN a script reading a nested path and an array element
    sql = (
        "CREATE TABLE s (payload BYTES) WITH ('format' = 'raw');\n"
        "CREATE TABLE o (payload BYTES) WITH ('format' = 'raw');\n"
        "INSERT INTO o SELECT payload FROM s WHERE JSON_VALUE(CAST(payload AS STRING), '$.a.b') = 'x'"
        " OR JSON_VALUE(CAST(payload AS STRING), '$.items[0]') = 'y';"
    )
    # WHEN probes are built
    probes, skipped = build_probes(parse_script(sql))
    # THEN the nested path is varied inside its object and the array path is reported, not skipped silently
    assert skipped == ["$.items[0]"]
    typical = next(p for p in probes if p.label == "typical record")
    assert typical.payload == b'{"a":{"b":"x"}}'
    assert any(p.label == "$.a.b is JSON null" and p.payload == b'{"a":{"b":null}}' for p in probes)
    # AND check reports the unprobed path as a warning
    assert "unprobed-path" in codes(check_sql(sql), "warning")


@pytest.mark.parametrize("bad", ["${aws.regio", "${ aws.region }", "${}", "$${aws.region"])
def test_check_sql_malformed_placeholder_is_an_error_with_its_position(bad: str) -> None:
    # GIVEN the source table's region written as a malformed placeholder (a comment's ${...} stays fine)
    sql = SQL.replace("'${aws.region}'", f"'{bad}'", 1)
    line = sql[: sql.index(bad)].count("\n") + 1
    # WHEN checked
    report = check_sql(sql)
    # THEN one error names the text and points at it: Flink would otherwise get it as a literal value
    [finding] = [f for f in report.findings if f.code == "malformed-placeholder"]
    assert finding.level == "error" and finding.line == line
    assert repr("$" + bad.lstrip("$")) in finding.message
    assert not report.passed()


def test_check_sql_placeholder_text_in_comments_is_not_flagged() -> None:
    # GIVEN a comment mentioning an unfinished ${ (the reference script's header has ${...} too)
    sql = "-- fill ${input.stream.arn later\n/* and ${ this } */\n" + SQL
    # WHEN checked THEN no malformed placeholder
    assert codes(check_sql(sql), "error") == []


def test_check_sql_source_without_the_resume_timestamp_warns(template: dict[str, Any]) -> None:
    # GIVEN the reference script written before the resume position (no 'source.init.timestamp')
    old = SQL.replace("    'source.init.timestamp' = '${source.init.timestamp}',\n", "")
    assert old != SQL
    # WHEN checked THEN a warning says a re-created application would fail to start, with the line to add
    report = check_sql(old, template)
    assert codes(report, "warning") == ["no-resume-timestamp"]
    assert "'source.init.timestamp' = '${source.init.timestamp}'" in report.findings[0].message
    # AND the reference script itself has it
    assert "no-resume-timestamp" not in codes(check_sql(SQL, template), "warning")
