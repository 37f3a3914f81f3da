"""flink/main.py without pyflink: properties, placeholders, statement splitting, the one StatementSet, waiting."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from fanout.artifact.layout import SQL_NAME
from fanout.lifecycle.position import UNUSED_TIMESTAMP
from fanout.lifecycle.spec import APPLICATION_PROPERTIES_GROUP, ApplicationSpec
from fanout.routes import parse_script
from fanout.routes.placeholders import find_placeholders
from tests.support import ROOT

SQL = (ROOT / "sql" / "fanout.sql").read_text(encoding="utf-8")


def write_properties(path: Path, groups: dict[str, dict[str, str]]) -> Path:
    """A properties file in Managed Flink's shape."""
    path.write_text(json.dumps([{"PropertyGroupId": g, "PropertyMap": m} for g, m in groups.items()]))
    return path


def test_read_properties_msf_shape_returns_groups_by_id(job: ModuleType, tmp_path: Path) -> None:
    # GIVEN the properties the lifecycle sets, in the file shape Managed Flink writes
    spec = ApplicationSpec(
        application_name="app",
        service_role_arn="arn:aws:iam::123456789012:role/r",
        artifact_bucket="bucket",
        artifact_key="key.zip",
        properties={"aws.region": "eu-west-1"},
    )
    path = tmp_path / "application_properties.json"
    path.write_text(json.dumps(spec.property_groups()))
    # WHEN the job reads it
    groups = job.read_properties(path)
    # THEN both groups are there, keyed by id
    # (with the start timestamp, which the connector reads only for AT_TIMESTAMP, and Managed Flink wants non-empty)
    assert groups[job.PROPERTY_GROUP] == {"aws.region": "eu-west-1", "source.init.timestamp": UNUSED_TIMESTAMP}
    assert groups["kinesis.analytics.flink.run.options"]["python"] == "main.py"


def test_job_names_match_the_lifecycle_and_the_artifact(job: ModuleType) -> None:
    # THEN the job reads the group the lifecycle writes, and the SQL file the artifact ships next to it
    assert job.PROPERTY_GROUP == APPLICATION_PROPERTIES_GROUP
    assert job.SQL_FILE == SQL_NAME


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read runtime properties"),
        ('{"PropertyGroupId": "fanout"}', "must hold a list"),
        ('[{"PropertyGroupId": "fanout", "PropertyMap": []}]', "entry 0 is not"),
    ],
)
def test_read_properties_bad_file_is_a_properties_error(
    job: ModuleType, tmp_path: Path, content: str, message: str
) -> None:
    # GIVEN a malformed properties file
    path = tmp_path / "props.json"
    path.write_text(content)
    # WHEN / THEN reading it is a named error
    with pytest.raises(job.PropertiesError, match=message):
        job.read_properties(path)


def test_read_properties_missing_file_says_how_to_pass_one(job: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(job.PropertiesError, match="FANOUT_FLINK_PROPERTIES"):
        job.read_properties(tmp_path / "absent.json")


def test_fill_placeholders_known_properties_substitutes_every_one(job: ModuleType, properties: dict[str, str]) -> None:
    # WHEN the reference SQL is filled from group `fanout`
    sql = job.fill_placeholders(SQL, {"fanout": properties})
    # THEN no placeholder is left and the ARNs are in place
    assert find_placeholders(sql) == set()
    assert "'stream.arn' = 'arn:aws:kinesis:eu-west-1:123456789012:stream/rej'" in sql
    assert "'source.init.position' = 'TRIM_HORIZON'" in sql


def test_fill_placeholders_unknown_placeholder_names_it_and_the_group(
    job: ModuleType, properties: dict[str, str]
) -> None:
    # GIVEN a script with a placeholder the lifecycle never sets (a typo)
    sql = SQL.replace("${aws.region}", "${aws.regoin}", 1)
    # WHEN / THEN it fails loudly, naming the placeholder and the property group
    with pytest.raises(job.PlaceholderError, match=r"aws\.regoin.*property group 'fanout'"):
        job.fill_placeholders(sql, {"fanout": properties})


def test_fill_placeholders_missing_property_names_it_and_the_group(job: ModuleType, properties: dict[str, str]) -> None:
    # GIVEN group `fanout` without the rejected stream's ARN
    del properties["rejected.stream.arn"]
    # WHEN / THEN the error names the placeholder, the group and what the group has
    with pytest.raises(job.PlaceholderError, match=r"rejected\.stream\.arn.*property group 'fanout' \(has aws\.region"):
        job.fill_placeholders(SQL, {"fanout": properties})


def test_fill_placeholders_missing_group_says_it_is_missing(job: ModuleType) -> None:
    with pytest.raises(job.PlaceholderError, match="property group 'fanout' \\(is missing\\)"):
        job.fill_placeholders(SQL, {"kinesis.analytics.flink.run.options": {"python": "main.py"}})


def test_split_statements_semicolons_in_literals_and_comments_do_not_split(job: ModuleType) -> None:
    # GIVEN semicolons inside a literal (with a doubled quote), a backquoted name and comments
    sql = (
        "-- header; not a statement\n"
        "CREATE TABLE `a;b` (x STRING) WITH ('k' = 'it''s; fine');\n"
        "/* block; comment */ INSERT INTO `a;b` SELECT 'x;y' FROM src; ;\n"
    )
    # WHEN the script is split
    statements = job.split_statements(sql)
    # THEN there are exactly two statements, their literals intact, the comments gone
    assert statements == [
        "CREATE TABLE `a;b` (x STRING) WITH ('k' = 'it''s; fine')",
        "INSERT INTO `a;b` SELECT 'x;y' FROM src",
    ]


@pytest.mark.parametrize(("sql", "what"), [("SELECT 'oops;\n", "'"), ("SELECT 1;\n/* never closed", "/*")])
def test_split_statements_unterminated_token_is_a_script_error(job: ModuleType, sql: str, what: str) -> None:
    with pytest.raises(job.SqlScriptError, match=f"unterminated {what.replace('*', '[*]')} at line"):
        job.split_statements(sql)


def test_plan_job_reference_sql_separates_ddl_and_inserts(job: ModuleType, properties: dict[str, str]) -> None:
    # GIVEN the reference SQL, filled
    sql = job.fill_placeholders(SQL, {"fanout": properties})
    # WHEN it is planned
    plan = job.plan_job(sql)
    # THEN the four tables and the view are DDL, and each route is one INSERT, as the route parser sees them
    script = parse_script(sql)
    assert len(plan.ddl) == len(script.tables) + 1
    assert [s.split()[2] for s in plan.inserts] == [
        "positive_transactions",
        "negative_transactions",
        "rejected_transactions",
    ]
    assert all(s.upper().startswith("INSERT INTO") for s in plan.inserts)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE TABLE a (x INT) WITH ('connector' = 'datagen');", "no INSERT statement"),
        ("CREATE TABLE a (x INT); SELECT * FROM a; INSERT INTO b SELECT * FROM a;", "SELECT is neither"),
    ],
)
def test_plan_job_without_insert_or_with_a_query_is_a_script_error(job: ModuleType, sql: str, message: str) -> None:
    with pytest.raises(job.SqlScriptError, match=message):
        job.plan_job(sql)


def test_settings_defaults_to_managed_flink_and_does_not_wait(job: ModuleType) -> None:
    # WHEN no flag or variable names a properties file (Managed Flink passes none, maybe its own args)
    config = job.settings(["--some-msf-arg", "x"], {})
    # THEN the job reads /etc/flink's file, does not wait, and adds no jar of its own
    assert config.properties == Path("/etc/flink/application_properties.json")
    assert config.wait is False
    assert config.jars == ()


def test_settings_local_properties_waits_unless_detached(job: ModuleType, tmp_path: Path) -> None:
    # WHEN a local file is given by variable, then by flag with --detach
    by_env = job.settings([], {"FANOUT_FLINK_PROPERTIES": str(tmp_path / "p.json")})
    detached = job.settings(["--properties", "p.json", "--detach"], {"FANOUT_FLINK_PROPERTIES": "other.json"})
    # THEN a local run waits; --detach returns after submitting; the flag beats the variable
    assert by_env.properties == tmp_path / "p.json"
    assert by_env.wait is True
    assert detached.properties == Path("p.json")
    assert detached.wait is False


class FakeStatementSet:
    """Records what a StatementSet is given."""

    def __init__(self, calls: list[tuple[str, Any]]) -> None:
        self.calls = calls

    def add_insert_sql(self, sql: str) -> None:
        self.calls.append(("add_insert_sql", sql))

    def execute(self) -> Any:
        self.calls.append(("execute", None))
        return SimpleNamespace(
            get_job_client=lambda: SimpleNamespace(get_job_id=lambda: "job-1"),
            wait=lambda: self.calls.append(("wait", None)),
        )


def fake_pyflink(calls: list[tuple[str, Any]]) -> dict[str, ModuleType]:
    """A `pyflink.table` module that records the calls the job makes."""
    config = SimpleNamespace(set=lambda key, value: calls.append(("config", (key, value))))
    t_env = SimpleNamespace(
        get_config=lambda: config,
        execute_sql=lambda sql: calls.append(("execute_sql", sql)),
        create_statement_set=lambda: calls.append(("create_statement_set", None)) or FakeStatementSet(calls),
    )
    table = ModuleType("pyflink.table")
    table.EnvironmentSettings = SimpleNamespace(in_streaming_mode=lambda: "streaming")  # type: ignore[attr-defined]
    table.TableEnvironment = SimpleNamespace(create=lambda settings: t_env)  # type: ignore[attr-defined]
    return {"pyflink": ModuleType("pyflink"), "pyflink.table": table}


@pytest.mark.parametrize("wait", [True, False])
def test_submit_every_insert_goes_into_one_statement_set(
    job: ModuleType, properties: dict[str, str], monkeypatch: pytest.MonkeyPatch, wait: bool
) -> None:
    # GIVEN a stand-in pyflink that records calls
    calls: list[tuple[str, Any]] = []
    for name, module in fake_pyflink(calls).items():
        monkeypatch.setitem(sys.modules, name, module)
    plan = job.plan_job(job.fill_placeholders(SQL, {"fanout": properties}))
    # WHEN the plan is submitted
    job.submit(plan, wait=wait, jars=[Path("/tmp/lib/connector.jar")])
    # THEN DDL runs first with execute_sql, then ONE statement set gets every INSERT and executes once
    kinds = [kind for kind, _ in calls]
    assert kinds[0] == "config" and calls[0][1] == ("pipeline.jars", "file:///tmp/lib/connector.jar")
    assert kinds[1 : 1 + len(plan.ddl)] == ["execute_sql"] * len(plan.ddl)
    assert kinds.count("create_statement_set") == 1
    assert [sql for kind, sql in calls if kind == "add_insert_sql"] == list(plan.inserts)
    assert kinds.count("execute") == 1
    assert not any(kind == "execute_sql" and sql.upper().startswith("INSERT") for kind, sql in calls)
    # AND it waits only when asked to (locally), not on Managed Flink
    assert kinds.count("wait") == (1 if wait else 0)


def test_main_bad_placeholder_is_logged_then_raised(
    job: ModuleType, tmp_path: Path, properties: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN properties without the input stream's ARN
    del properties["input.stream.arn"]
    path = write_properties(tmp_path / "p.json", {"fanout": properties})
    # WHEN the job starts
    with caplog.at_level(logging.INFO, logger="fanout.flink"), pytest.raises(job.PlaceholderError):
        job.main(["--properties", str(path), "--sql", str(ROOT / "sql" / "fanout.sql")], {})
    # THEN the error was logged (PythonDriver shows it on Managed Flink) before it propagated
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None
    assert "input.stream.arn" in str(errors[0].exc_info[1])


def test_main_local_run_submits_the_filled_sql_and_waits(
    job: ModuleType, tmp_path: Path, properties: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a local properties file and a recording submit
    path = write_properties(tmp_path / "p.json", {"fanout": properties})
    seen: dict[str, Any] = {}
    monkeypatch.setattr(job, "submit", lambda plan, wait, jars: seen.update(plan=plan, wait=wait))
    # WHEN the job runs with the reference SQL
    code = job.main(["--properties", str(path), "--sql", str(ROOT / "sql" / "fanout.sql")], {})
    # THEN the filled plan was submitted and the local run waits
    assert code == 0
    assert seen["wait"] is True
    assert len(seen["plan"].inserts) == 3
    assert "stream/in" in seen["plan"].ddl[0]


@pytest.mark.parametrize("bad", ["${aws.regio", "${ aws.region }", "${}"])
def test_fill_placeholders_malformed_placeholder_fails_loudly_with_its_line(
    job: ModuleType, properties: dict[str, str], bad: str
) -> None:
    # GIVEN a script whose region placeholder is malformed (unclosed, spaced, empty)
    sql = SQL.replace("'${aws.region}'", f"'{bad}'", 1)
    line = sql[: sql.index(bad)].count("\n") + 1
    # WHEN / THEN the job refuses it, naming the text and its line, instead of submitting it as a literal
    with pytest.raises(job.PlaceholderError, match=rf"malformed placeholder.*{re.escape(bad)}' at line {line}"):
        job.fill_placeholders(sql, {"fanout": properties})


def test_fill_placeholders_dollar_brace_in_comments_is_ignored(job: ModuleType, properties: dict[str, str]) -> None:
    # GIVEN comments with ${ text that is no placeholder WHEN filled THEN the script goes through
    sql = "-- set ${input.stream.arn first\n/* ${ x } */\n" + SQL
    assert "arn:aws:kinesis" in job.fill_placeholders(sql, {"fanout": properties})
