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


def test_ruff_reports_nothing() -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), "check", *[d for d in LINTED if (ROOT / d).is_dir()]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_reports_nothing() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
