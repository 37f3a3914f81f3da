"""The offline runtime keeps no state in module globals: what it adds to moto lives on moto's backends, and
each LocalCloud, LocalRuntime and FunctionCode owns the rest, so nothing needs a reset between tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.static
RUNTIME = ROOT / "src" / "fanout" / "localcloud"
MUTABLE_DISPLAYS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
# What a module may build at import time: immutable values, and the locks and context variables that guard
# process-wide resources (os.environ, the one-time patching of moto's and botocore's classes).
ALLOWED_CALLS = {
    "frozenset",
    "tuple",
    "MappingProxyType",
    "re.compile",
    "threading.Lock",
    "threading.RLock",
    "ContextVar",
    "RetryPolicy",  # a frozen dataclass
    "logging.getLogger",
}


def _module_state(path: Path) -> list[str]:
    """What ``path`` binds at module level to a mutable value, and its ``global`` statements."""
    tree = ast.parse(path.read_text())
    found = [
        f"line {node.lineno}: global {', '.join(node.names)}" for node in ast.walk(tree) if isinstance(node, ast.Global)
    ]
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if value is None:
            continue
        built = isinstance(value, ast.Call) and ast.unparse(value.func) not in ALLOWED_CALLS
        if isinstance(value, MUTABLE_DISPLAYS) or built:
            found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_the_offline_runtime_keeps_no_module_state() -> None:
    # GIVEN every module of the offline runtime WHEN its module-level bindings are read
    found = {path.name: state for path in sorted(RUNTIME.glob("*.py")) if (state := _module_state(path))}
    # THEN none is mutable: no registry, cache, fault plan or flag lives in a module
    assert not found, found


def test_the_check_sees_module_state(tmp_path: Path) -> None:
    # GIVEN a module with a registry, a singleton and a global flag WHEN checked THEN each is found
    module = tmp_path / "m.py"
    module.write_text("_R: dict = {}\nfaults = Faults()\nFLAG = False\ndef f():\n    global FLAG\n    FLAG = True\n")
    assert [line.split(":")[0] for line in _module_state(module)] == ["line 5", "line 1", "line 2"]
