"""`fanout sql check|run|migrate` through the CLI: exit codes, human and JSON output, files written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fanout.cli import _register, app
from fanout.exceptions import ConfigurationError
from fanout.migrate import InputSchemaError
from tests.support import ROOT

_register()
SQL = ROOT / "sql" / "fanout.sql"
LEGACY = ROOT / "sql" / "legacy"
RECORDS = ROOT / "tests" / "fixtures" / "sql_legacy_records.ndjson"
runner = CliRunner()


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_sql_check_reference_defaults_to_fanout_sql_and_template(in_root: None) -> None:
    # GIVEN the project root WHEN `fanout sql check --json` runs with no arguments
    result = runner.invoke(app, ["sql", "check", "--json", "--strict"])
    # THEN it checked sql/fanout.sql against template.yaml, cleanly
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["file"], report["template"], report["errors"], report["warnings"]) == (
        "sql/fanout.sql",
        "template.yaml",
        0,
        0,
    )
    assert report["template_checked"] is True


def test_sql_check_uncovered_records_warn_and_fail_only_when_strict(tmp_path: Path) -> None:
    # GIVEN routes without the rejected INSERT (NULL amounts are lost), checked without a template
    script = tmp_path / "routes.sql"
    script.write_text(SQL.read_text().split("INSERT INTO rejected_transactions")[0])
    # WHEN checked, then checked with --strict
    lenient = runner.invoke(app, ["sql", "check", str(script), "--no-template"])
    strict = runner.invoke(app, ["sql", "check", str(script), "--no-template", "--strict"])
    # THEN warnings are printed (exit 0) and --strict turns them into exit 16
    assert lenient.exit_code == 0
    assert "no route takes this record ($.amount is JSON null)" in lenient.output
    assert "0 errors" in lenient.output
    assert strict.exit_code == 16


def test_sql_check_syntax_error_exits_16_with_file_line_and_column(tmp_path: Path) -> None:
    # GIVEN a syntax error on line 3
    script = tmp_path / "bad.sql"
    script.write_text("CREATE TABLE s (payload BYTES) WITH ('format' = 'raw');\n\nINSERT INTO o SELECT FROM s WHERE;\n")
    # WHEN checked as JSON
    result = runner.invoke(app, ["sql", "check", str(script), "--no-template", "--json"])
    # THEN exit 16 (findings) and the finding has its position
    assert result.exit_code == 16
    [finding] = json.loads(result.output)["findings"]
    assert (finding["level"], finding["code"], finding["line"]) == ("error", "syntax", 3)


def test_sql_run_writes_ndjson_per_sink_in_input_order(tmp_path: Path) -> None:
    # GIVEN four records, one per line, the last without a trailing newline
    records = tmp_path / "records.ndjson"
    records.write_bytes(b'{"id":1,"amount":5}\n{"id":2,"amount":-1}\nnot json\n{"id":4,"amount":0.5}')
    # WHEN run with --out
    result = runner.invoke(app, ["sql", "run", str(SQL), "--input", str(records), "--out", str(tmp_path / "out")])
    # THEN one file per sink, payloads in input order, and the rejected record's bytes unchanged
    assert result.exit_code == 0, result.output
    positive = (tmp_path / "out" / "positive_transactions.ndjson").read_bytes().splitlines()
    assert [json.loads(line)["id"] for line in positive] == [1, 4]
    assert len((tmp_path / "out" / "negative_transactions.ndjson").read_bytes().splitlines()) == 1
    assert (tmp_path / "out" / "rejected_transactions.ndjson").read_bytes() == b"not json\n"
    assert "rejected_transactions" in result.output and "not json" in result.output


def test_sql_run_json_reports_counts_and_unrouted_with_exit_16(tmp_path: Path) -> None:
    # GIVEN routes that lose NULL amounts, and a record with a NULL amount on line 2
    script = tmp_path / "routes.sql"
    script.write_text(SQL.read_text().split("INSERT INTO rejected_transactions")[0])
    records = tmp_path / "records.ndjson"
    records.write_bytes(b'{"id":1,"amount":5}\n{"id":2,"amount":null}\n')
    # WHEN run as JSON, then with --allow-unrouted
    result = runner.invoke(app, ["sql", "run", str(script), "-i", str(records), "--json"])
    allowed = runner.invoke(app, ["sql", "run", str(script), "-i", str(records), "--allow-unrouted", "-q"])
    # THEN the unrouted record is reported by line with its bytes, and fails the run unless allowed
    assert result.exit_code == 16
    document = json.loads(result.output)
    assert document["counts"] == {"positive_transactions": 1, "negative_transactions": 0}
    assert document["unrouted"] == [
        {"line": 2, "payload": '{"id":2,"amount":null}', "payload_base64": "eyJpZCI6MiwiYW1vdW50IjpudWxsfQ=="}
    ]
    assert allowed.exit_code == 0
    assert "unrouted" in allowed.output


def test_sql_run_shared_fixture_routes_every_record_once(tmp_path: Path) -> None:
    # GIVEN the shared legacy fixture WHEN run through the migrated reference
    result = runner.invoke(app, ["sql", "run", str(LEGACY / "reference.flink.sql"), "-i", str(RECORDS), "--json"])
    # THEN every record went to exactly one route
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert sum(document["counts"].values()) == document["records"] == 30
    assert document["unrouted"] == [] and document["duplicated"] == []


def test_sql_migrate_reference_to_stdout_matches_committed_file(in_root: None) -> None:
    # GIVEN the command recorded in the committed file's header
    header = (LEGACY / "reference.flink.sql").read_text().splitlines()[0]
    args = header.split("by: fanout ")[1].split()
    args[args.index("reference.sql")] = "sql/legacy/reference.sql"
    args[args.index("input-schema.json")] = "sql/legacy/input-schema.json"
    # WHEN re-run
    result = runner.invoke(app, args)
    # THEN the output is the committed file, byte for byte
    assert result.exit_code == 0, result.output
    assert result.stdout == (LEGACY / "reference.flink.sql").read_text()


def test_sql_migrate_without_schema_raises_named_error(tmp_path: Path) -> None:
    # GIVEN legacy SQL with no input-schema.json next to it
    legacy = tmp_path / "app.sql"
    legacy.write_text((LEGACY / "reference.sql").read_text())
    # WHEN migrated THEN a named error says to pass --schema
    result = runner.invoke(app, ["sql", "migrate", str(legacy)])
    assert isinstance(result.exception, InputSchemaError)
    assert "--schema" in str(result.exception)


@pytest.mark.parametrize(
    ("text", "message"),
    [("Resources: [\n", "cannot parse template"), ("- a list\n", "is not a YAML or JSON mapping")],
)
def test_sql_check_malformed_or_non_mapping_template_is_one_line_named_error(
    tmp_path: Path, text: str, message: str
) -> None:
    # GIVEN a --template that is malformed YAML, or YAML that is no mapping
    template = tmp_path / "t.yaml"
    template.write_text(text)
    # WHEN checked against it
    result = runner.invoke(app, ["sql", "check", str(SQL), "--template", str(template)])
    # THEN a ConfigurationError on one line (the CLI prints one), not an AttributeError or a multi-line YAML error
    assert isinstance(result.exception, ConfigurationError)
    assert message in str(result.exception) and "\n" not in str(result.exception)


def test_sql_run_warns_about_what_flink_would_reject_but_the_executor_runs(tmp_path: Path) -> None:
    # GIVEN the reference script with its amount column named `value` (reserved in Flink) and records
    script = tmp_path / "routes.sql"
    script.write_text(re.sub(r"(?<![.$])\bamount\b", "value", SQL.read_text()))
    records = tmp_path / "in.ndjson"
    records.write_text('{"id": 1, "username": "a", "amount": 2}\n')
    # WHEN run, for people and for machines
    people = runner.invoke(app, ["sql", "run", str(script), "--input", str(records), "--quiet"])
    machines = runner.invoke(app, ["sql", "run", str(script), "--input", str(records), "--json"])
    # THEN the routes still run (exit 0) but stderr warns that Flink would reject the script, with its position
    assert people.exit_code == 0 and machines.exit_code == 0, people.output
    assert f"warning: {script}:31:5: 'value' is a reserved word" in " ".join(people.stderr.split())
    [finding] = json.loads(machines.stdout)["flink_would_reject"]
    assert (finding["code"], finding["line"]) == ("reserved-word", 31)


def test_sql_run_reference_script_has_nothing_flink_would_reject(tmp_path: Path) -> None:
    records = tmp_path / "in.ndjson"
    records.write_text('{"id": 1, "username": "a", "amount": 2}\n')
    result = runner.invoke(app, ["sql", "run", str(SQL), "--input", str(records), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["flink_would_reject"] == []
    assert "warning" not in result.stderr


def test_sql_migrate_missing_legacy_file_says_so_before_the_schema(tmp_path: Path) -> None:
    # GIVEN a mistyped LEGACY path (so no input-schema.json next to it either)
    missing = tmp_path / "typo.sql"
    # WHEN migrated
    result = runner.invoke(app, ["sql", "migrate", str(missing)])
    # THEN the error names the missing file, not the schema the user never meant to pass
    assert isinstance(result.exception, ConfigurationError)
    assert not isinstance(result.exception, InputSchemaError)
    assert f"cannot read {missing}" in str(result.exception)


def test_sql_migrate_untranslatable_is_one_line_error_exit_nonzero(tmp_path: Path) -> None:
    # GIVEN a pump with a window
    legacy = tmp_path / "app.sql"
    legacy.write_text(
        'CREATE OR REPLACE STREAM "OUT" (ID INTEGER);\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\n'
        'SELECT STREAM ID FROM "SOURCE_SQL_STREAM_001" WHERE ROWTIME > 0;\n'
    )
    # WHEN the real entry point runs
    schema = LEGACY / "input-schema.json"
    command = [sys.executable, "-c", "from fanout.cli import main; main()", "sql", "migrate", str(legacy)]
    done = subprocess.run([*command, "--schema", str(schema)], capture_output=True, text=True, timeout=60, check=False)
    # THEN one line names the error, the construct and its line, and the exit code is non-zero
    assert done.returncode != 0
    assert "UntranslatableConstructError: cannot translate ROWTIME at line 3" in done.stderr
    assert "Traceback" not in done.stderr


_JSON_TEXT = (
    "CREATE TABLE src (payload STRING) WITH ('connector' = 'kinesis', 'format' = 'raw');\n"
    "CREATE TABLE o (a STRING) WITH ('connector' = 'kinesis', 'format' = 'json');\n"
    "INSERT INTO o SELECT JSON_VALUE(payload, '$.d') FROM src;\n"
)


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, b'{"a":"1.5"}'),  # the template's FlinkRuntime default: FLINK-1_20
        (["--runtime", "FLINK-2_2"], {}, b'{"a":"1.50"}'),
        ([], {"FANOUT_FLINK_RUNTIME": "FLINK-2_2"}, b'{"a":"1.50"}'),
        (["--runtime", "FLINK-1_20"], {"FANOUT_FLINK_RUNTIME": "FLINK-2_2"}, b'{"a":"1.5"}'),
    ],
)
def test_sql_run_emulates_the_runtime_from_the_flag_the_environment_or_the_template(
    in_root: None, tmp_path: Path, args: list[str], env: dict[str, str], expected: bytes
) -> None:
    # GIVEN routes that print a JSON float, which Flink 1.20 and 2.2 write differently
    (tmp_path / "s.sql").write_text(_JSON_TEXT)
    (tmp_path / "r.ndjson").write_bytes(b'{"d":1.50}\n')
    # WHEN `fanout sql run` writes its outputs
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["sql", "run", str(tmp_path / "s.sql"), "-i", str(tmp_path / "r.ndjson"), "-o", str(out), *args], env=env
    )
    # THEN the runtime picked (flag > environment > template) decides the bytes
    assert result.exit_code == 0, result.output
    assert (out / "o.ndjson").read_bytes() == expected + b"\n"


def test_sql_check_reports_the_runtime_and_refuses_an_unknown_one(in_root: None) -> None:
    # GIVEN/WHEN `fanout sql check` as FLINK-2_2, then as a runtime the project does not run on
    checked = runner.invoke(app, ["sql", "check", "--json", "--runtime", "FLINK-2_2"])
    refused = runner.invoke(app, ["sql", "check", "--runtime", "FLINK-1_15"])
    # THEN the report names the runtime, and the unknown one is a usage error (exit 2) naming the supported ones
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["runtime"] == "FLINK-2_2"
    assert refused.exit_code == 2 and "FLINK-1_20, FLINK-2_2" in refused.output
