"""What runs in AWS is the core (src/Makefile's CORE): the handlers, and all they import, stay inside it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.static
PACKAGE = ROOT / "src" / "fanout"


def _core() -> set[str]:
    """The top-level names under fanout/ that src/Makefile ships in the layer."""
    text = (ROOT / "src" / "Makefile").read_text().replace("\\\n", " ")
    paths = re.search(r"^CORE := (.*)$", text, re.MULTILINE)
    assert paths is not None
    return {Path(p).parts[1].removesuffix(".py") for p in paths.group(1).split()} - {"py.typed"}


def _file(module: str) -> Path | None:
    """The source file of ``fanout.x.y`` (a module or a package)."""
    base = PACKAGE.joinpath(*module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """The fanout modules ``path`` imports (``from fanout import env`` counts as fanout.env)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "fanout"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "fanout":
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names if _file(f"{node.module}.{alias.name}")}
    return found


def test_no_handler_reaches_a_module_outside_the_core() -> None:
    # GIVEN every Lambda handler, and the core the layer ships
    core = _core()
    seen: dict[str, str] = {}
    queue = [
        (module, path.relative_to(ROOT).as_posix())
        for path in ROOT.glob("functions/*/*.py")
        for module in _imports(path)
    ]
    # WHEN their fanout imports are followed through the package
    while queue:
        module, via = queue.pop()
        if module in seen:
            continue
        seen[module] = via
        source = _file(module)
        if source is not None:
            queue += [(child, module) for child in _imports(source)]
    # THEN every module reached is in the core: no CLI, routes, cost, bench or offline runtime in AWS
    outside = {m: via for m, via in seen.items() if m != "fanout" and m.split(".")[1] not in core}
    assert not outside, f"imported by a handler (module: imported from): {outside}"
    assert {"fanout.lifecycle", "fanout.consumer", "fanout.observability"} <= set(seen)


def test_the_core_needs_only_the_layers_requirements() -> None:
    # GIVEN the layer's pinned requirements WHEN the core's third-party imports are read
    allowed = {"aws_lambda_powertools", "boto3", "botocore", "pydantic", "pydantic_core"}
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    third_party = set()
    for name in _core():
        root = PACKAGE / name
        for path in [root.with_suffix(".py")] if not root.is_dir() else root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                third_party |= {n.split(".")[0] for n in names} - stdlib - {"fanout"}
    # THEN they are boto3, Powertools and pydantic only
    assert third_party <= allowed, third_party - allowed


def test_the_package_depends_on_the_layers_requirements_and_the_rest_is_extras() -> None:
    # GIVEN pyproject.toml and the layer's pinned requirements
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    layer = [line for line in (ROOT / "src" / "requirements.txt").read_text().splitlines() if line[:1].isalnum()]

    def name(requirement: str) -> str:
        return re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower()

    # WHEN their names are compared
    # THEN a plain install is the core's (what the layer ships), and moto comes only with the `local` extra
    assert sorted(map(name, project["dependencies"])) == sorted(map(name, layer))
    extras = project["optional-dependencies"]
    assert "moto" in map(name, extras["local"]) and "kinesis-fanout" in map(name, extras["local"])
    assert "moto" not in map(name, extras["tools"]) and "typer" in map(name, extras["tools"])
