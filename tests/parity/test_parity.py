"""Semantic parity: every route script gives, record by record, the same outputs in real Flink as in RouteExecutor.

One Flink job per SQL file runs all the fixture records (``tests/parity/cases.py``) through PyFlink's
local mini-cluster with the filesystem connector in place of Kinesis (``flink_job.py``); the executor runs
the same records in one batch. Each case then asserts that its record reached the same sinks with the same
payload bytes. Each runtime runs in its own PyFlink (``.venv-flink`` 1.20.5, ``.venv-flink2`` 2.2.1, made by
``make test`` and ``make parity``); without them the suite is skipped, unless FANOUT_PARITY=1 (CI): it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from fanout.routes import RouteExecutor
from fanout.runtimes import RUNTIMES
from tests.parity.cases import CASES
from tests.parity.compare import Comparison, compare
from tests.parity.flink_job import run_flink
from tests.support import ROOT, require_flink_python

pytestmark = pytest.mark.parity

REFERENCE_SQL = ROOT / "sql" / "fanout.sql"
# Every Flink route script of the project: sql/*.sql, sql/examples/*.sql and the migrated
# sql/legacy/*.flink.sql (the legacy Kinesis Data Analytics sources next to them are not Flink SQL).
SQL_FILES = sorted({*ROOT.glob("sql/*.sql"), *ROOT.glob("sql/examples/*.sql"), *ROOT.glob("sql/legacy/*.flink.sql")})
RECORDS = [record for _, record in CASES]

# Differences between the executor and Flink 1.20 that are known and not fixed yet, per (SQL file, case).
# Each is an expected failure with strict=True: once fixed, the case passes and the listing must go.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}


def _cases() -> list[object]:
    params = []
    for runtime in RUNTIMES:
        for sql in SQL_FILES:
            for index, (name, _) in enumerate(CASES):
                reason = KNOWN_DIFFERENCES.get((sql.name, name))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                case_id = f"{runtime}-{sql.name}-{name}"
                params.append(pytest.param(runtime, sql, index, id=case_id, marks=marks))
    return params


@pytest.fixture(scope="session")
def parity(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Path], Comparison]:
    """Run each SQL file once in each runtime's Flink and once in the executor emulating that runtime, and
    compare them (cached per runtime and file)."""

    @cache
    def run(runtime: str, sql: Path) -> Comparison:
        text = sql.read_text()
        workdir = tmp_path_factory.mktemp(f"{runtime}-{sql.stem}")
        flink = run_flink(text, RECORDS, workdir, require_flink_python(runtime))
        return compare(RECORDS, RouteExecutor.from_sql(text, runtime=runtime).execute(RECORDS), flink)

    return run


def test_parity_sql_files_include_the_reference_script() -> None:
    # GIVEN the SQL files the suite runs
    # WHEN listing them
    names = [path.relative_to(ROOT).as_posix() for path in SQL_FILES]
    # THEN the reference script is always among them
    assert "sql/fanout.sql" in names


def test_parity_fixture_records_are_distinct_and_line_safe() -> None:
    # GIVEN the fixture records
    # WHEN checking them against what the Flink filesystem source can carry
    unsafe = [name for name, record in CASES if b"\n" in record or record.endswith(b"\r")]
    # THEN every record fits on one line and none repeats (rejected records are known by their bytes)
    assert unsafe == []
    assert len(set(RECORDS)) == len(RECORDS)


@pytest.mark.parametrize(("runtime", "sql", "index"), _cases())
def test_parity_record_routes_same_in_flink_and_executor(
    parity: Callable[[str, Path], Comparison], runtime: str, sql: Path, index: int
) -> None:
    # GIVEN one SQL file run over every fixture record in the runtime's Flink and in the executor emulating it
    comparison = parity(runtime, sql)
    # WHEN looking at this record's outputs
    name, record = CASES[index]
    # THEN it reached the same sinks with the same payload bytes on both sides
    assert not comparison.differs(index), f"{name} {record[:200]!r}\n{comparison.describe(index)}"
