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


def _shipped(variable: str = "CORE") -> list[str]:
    """The paths under src/ that src/Makefile ships in a layer (CORE: the DomainLayer; ROUTER: the RouterLayer)."""
    text = (ROOT / "src" / "Makefile").read_text().replace("\\\n", " ")
    paths = re.search(rf"^{variable} := (.*)$", text, re.MULTILINE)
    assert paths is not None
    return paths.group(1).split()


def _core() -> set[str]:
    """The top-level names under fanout/ that src/Makefile ships in the DomainLayer."""
    return {Path(p).parts[1].removesuffix(".py") for p in _shipped()} - {"py.typed"}


def _in_router_layer(module: str) -> bool:
    """Whether ``fanout.x.y`` is shipped by the RouterLayer (a listed module, or one under a listed package)."""
    path = "/".join(module.split("."))
    shipped = [p.removesuffix(".py").removesuffix("/__init__") for p in _shipped("ROUTER")]
    return any(path == p or path.startswith(p + "/") for p in shipped)


def _file(module: str) -> Path | None:
    """The source file of ``fanout.x.y`` (a module or a package)."""
    base = PACKAGE.joinpath(*module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` and a module's lazy ``__getattr__`` (which
    importing the module does not run; the router test checks what it may load)."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _imports(path: Path) -> set[str]:
    """The fanout modules ``path`` imports (``from fanout import env`` counts as fanout.env), and their packages."""
    found = set()
    for node in _nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "fanout"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "fanout":
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names if _file(f"{node.module}.{alias.name}")}
    return found | {".".join(m.split(".")[:n]) for m in found for n in range(2, m.count(".") + 1)}


def _reached(handlers: list[Path]) -> dict[str, str]:
    """Every fanout module the handlers import, directly or through the package (module: imported from)."""
    seen: dict[str, str] = {}
    queue = [(module, path.relative_to(ROOT).as_posix()) for path in handlers for module in _imports(path)]
    while queue:
        module, via = queue.pop()
        if module in seen:
            continue
        seen[module] = via
        source = _file(module)
        if source is not None:
            queue += [(child, module) for child in _imports(source)]
    return seen


def test_no_handler_reaches_a_module_outside_the_core() -> None:
    # GIVEN every Lambda handler but the router, and the core the layer ships
    core = _core()
    handlers = [path for path in ROOT.glob("functions/*/*.py") if path.parent.name != "router"]
    # WHEN their fanout imports are followed through the package
    seen = _reached(handlers)
    # THEN every module reached is in the core: no CLI, routes, cost, bench or offline runtime in AWS
    outside = {m: via for m, via in seen.items() if m != "fanout" and m.split(".")[1] not in core}
    assert not outside, f"imported by a handler (module: imported from): {outside}"
    assert {"fanout.lifecycle", "fanout.consumer", "fanout.observability"} <= set(seen)


def test_the_router_reaches_only_the_core_and_the_router_layer() -> None:
    # GIVEN the router's handler, the core and the RouterLayer's modules
    core = _core()
    # WHEN its fanout imports are followed through the package
    seen = _reached(list((ROOT / "functions" / "router").glob("*.py")))
    # THEN each is shipped by one of its two layers: the compiled routes, and no executor (DuckDB) or CLI
    outside = {
        m: via for m, via in seen.items() if m != "fanout" and m.split(".")[1] not in core and not _in_router_layer(m)
    }
    assert not outside, f"imported by the router (module: imported from): {outside}"
    assert {"fanout.router", "fanout.routes.evaluator"} <= set(seen)
    assert "fanout.routes.executor" not in seen


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
