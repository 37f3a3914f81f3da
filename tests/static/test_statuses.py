"""Statuses are spoken in enums (fanout.lifecycle.status, Progress): no status string is written out elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fanout.lifecycle.models import Progress
from fanout.lifecycle.status import ApplicationStatus, ExecutionStatus, OperationStatus, SnapshotStatus
from tests.support import ROOT

pytestmark = pytest.mark.static
STATUSES = {
    str(s) for enum in (ApplicationStatus, ExecutionStatus, OperationStatus, SnapshotStatus, Progress) for s in enum
}
HOMES = {ROOT / "src" / "fanout" / "lifecycle" / "status.py", ROOT / "src" / "fanout" / "lifecycle" / "models.py"}


def _literals(path: Path) -> list[str]:
    """The status strings ``path`` writes out as literals (docstrings and comments are prose, not code)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in STATUSES and id(node) not in docstrings
    ]


def test_no_status_string_outside_its_enum() -> None:
    # GIVEN the package, the handlers and the Flink job WHEN their string literals are read
    paths = [p for folder in ("src", "functions", "flink") for p in (ROOT / folder).rglob("*.py") if p not in HOMES]
    found = {str(p.relative_to(ROOT)): hits for p in paths if (hits := _literals(p))}
    # THEN no application, execution, operation or snapshot status, nor a transition's progress, is a bare string
    assert not found, found
