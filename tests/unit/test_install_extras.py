"""The tools run without the ``local`` extra (moto's server); the offline runtime says what to install.

Each case runs `fanout` in a fresh interpreter where moto, flask and werkzeug cannot be imported, as after
``pip install 'kinesis-fanout[tools]'``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

BLOCK = """
import sys
from importlib.abc import MetaPathFinder

class Missing(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("moto", "flask", "werkzeug"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

    def invalidate_caches(self):
        pass

sys.meta_path.insert(0, Missing())
import importlib.util
real = importlib.util.find_spec
blocked = ("moto", "flask", "werkzeug")
importlib.util.find_spec = lambda name, *a: None if name.split(".")[0] in blocked else real(name, *a)
from fanout.cli import main
main(sys.argv[1:])
"""


def _fanout(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK, *args], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["demo", "--help"],
        ["bench", "--help"],
        ["sql", "check", "sql/fanout.sql"],
        ["cost", "--json"],
        ["sql", "migrate", "--help"],
        ["app", "status", "--help"],
    ],
)
def test_the_tools_run_without_the_offline_runtime(args: list[str]) -> None:
    # GIVEN an installation without the `local` extra WHEN a tool that does not need it runs
    result = _fanout(*args)
    # THEN it works (no import of moto on the way)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "moto" not in result.stderr


@pytest.mark.parametrize("args", [["demo"], ["local", "up"], ["bench", "--quick"]])
def test_the_offline_runtime_without_its_extra_is_a_named_error(args: list[str]) -> None:
    # GIVEN the same installation WHEN a command that needs the offline runtime runs
    result = _fanout(*args)
    # THEN it fails with a named error that says what to install, not a traceback
    assert result.returncode == 3, result.stderr[-2000:]
    assert "OfflineRuntimeMissingError" in result.stderr
    assert "pip install 'kinesis-fanout[local]'" in result.stderr
    assert "Traceback" not in result.stderr
