"""ruff and mypy are part of the test run, so CI keeps the code clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.static
BIN = Path(sys.executable).parent
LINTED = ("src", "functions", "tests", "benchmarks", "flink")


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_reports_nothing(command: list[str]) -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), *command, *[d for d in LINTED if (ROOT / d).is_dir()]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_reports_nothing_over_the_package_the_handlers_and_the_flink_job() -> None:
    # GIVEN mypy's configuration THEN it covers what runs in AWS too, not only the package
    config = (ROOT / "pyproject.toml").read_text()
    assert 'files = ["src/fanout", "functions", "flink"]' in config
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
