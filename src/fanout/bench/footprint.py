"""Footprint: each Lambda's deployment package after ``sam build``, and its cold import time.

The alternative path is the public Powertools layer: our domain layer then leaves out what that layer and
the Lambda runtime already provide (``PROVIDED_ELSEWHERE``); that slimmer layer is measured from the same
build, file by file from the distributions' own records.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from fanout.bench.exceptions import HandlerImportError
from fanout.bench.targets import Target
from fanout.sam.template import load_template

PROVIDED_ELSEWHERE = (
    "aws-lambda-powertools",
    "aws-xray-sdk",
    "wrapt",
    "jmespath",  # the public Powertools layer
    "boto3",
    "botocore",
    "s3transfer",
    "python-dateutil",
    "six",
    "urllib3",  # the python3.11 runtime
)
_IMPORT = (
    "import importlib, sys, time; t = time.perf_counter(); importlib.import_module(sys.argv[1]); "
    "print(time.perf_counter() - t)"
)


@dataclass(frozen=True)
class FootprintSettings:
    """Whether to run ``sam build`` and how many fresh interpreters time each import."""

    build: bool = True
    imports: int = 3
    sam: str = ".tools/sam/bin/sam"


def _functions(template: Path) -> dict[str, tuple[str, str]]:
    """Logical id -> (CodeUri, handler module) of every function in ``template``."""
    out = {}
    for logical, resource in load_template(template)["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource["Properties"]
            out[logical] = (str(props["CodeUri"]), str(props["Handler"]).rsplit(".", 1)[0])
    return out


def _own_layers(template: Path) -> dict[str, list[str]]:
    """Logical id -> the layers a function names itself (beyond the Globals' DomainLayer): the router's
    RouterLayer."""
    out: dict[str, list[str]] = {}
    for logical, resource in load_template(template)["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function":
            layers = resource["Properties"].get("Layers") or []
            out[logical] = [str(layer["Ref"]) for layer in layers if isinstance(layer, dict) and "Ref" in layer]
    return out


def zipped_size(root: Path, skip: frozenset[Path] = frozenset()) -> tuple[int, int]:
    """(zip bytes, unzipped bytes) of the folder ``root`` as a deflated deployment zip, leaving out ``skip``."""
    buffer, raw = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path not in skip:
                zf.write(path, path.relative_to(root))
                raw += path.stat().st_size
    return len(buffer.getvalue()), raw


def provided_files(site: Path, names: tuple[str, ...] = PROVIDED_ELSEWHERE) -> frozenset[Path]:
    """Files under ``site`` that belong to the distributions ``names`` (from their RECORD files)."""
    wanted = {name.lower().replace("_", "-") for name in names}
    files: set[Path] = set()
    for dist in metadata.distributions(path=[str(site)]):
        if dist.metadata["Name"].lower().replace("_", "-") in wanted:
            files.update((site / str(f)).resolve() for f in dist.files or [])
    return frozenset(files)


def import_seconds(paths: list[Path], module: str, runs: int) -> list[float]:
    """Seconds to import ``module`` in ``runs`` fresh interpreters with ``paths`` first on sys.path."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(map(str, paths)),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "bench",
    }
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _IMPORT, module], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise HandlerImportError(done.stderr.strip().splitlines()[-1] if done.stderr else f"import {module} failed")
        out.append(float(done.stdout.strip()))
    return out


def sam_build(root: Path, sam: Path, build_dir: Path) -> str | None:
    """Run ``sam build`` into ``build_dir``; returns None on success, else why it could not run."""
    if not sam.is_file():
        return f"SAM CLI not found at {sam} (make test installs it)"
    if shutil.which("python3.11") is None:
        return "sam build needs python3.11 on the PATH"
    done = subprocess.run(
        [
            str(sam),
            "build",
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(build_dir.parent / "cache"),
            "--template",
            str(root / "template.yaml"),
        ],
        cwd=root,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        return "sam build failed: " + (done.stderr or done.stdout).strip().splitlines()[-1]
    return None


def _opt(tmp: Path, logical: str, layers: list[Path]) -> Path:
    """The function's /opt/python as Lambda makes it: its layers extracted into one folder, in order (the
    DomainLayer, then the router's RouterLayer, whose ``fanout`` package merges into the first's)."""
    if len(layers) == 1:
        return layers[0]
    opt = tmp / f"opt-{logical}" / "python"
    for layer in layers:
        shutil.copytree(layer, opt, dirs_exist_ok=True)
    return opt


def run_footprint(root: Path, settings: FootprintSettings | None = None) -> dict[str, Any]:
    """Build (unless told not to), size every package, time every handler's cold import."""
    s = settings or FootprintSettings()
    functions = _functions(root / "template.yaml")
    with tempfile.TemporaryDirectory(prefix="fanout-bench-") as tmp:
        build = Path(tmp) / "build"
        why = sam_build(root, root / s.sam, build) if s.build else "skipped (quick mode)"
        result: dict[str, Any] = {"sam_build": "ok" if why is None else why, "provided_elsewhere": PROVIDED_ELSEWHERE}
        if why is None:
            layer = build / "DomainLayer" / "python"
            layer_zip, layer_raw = zipped_size(layer.parent)
            slim_zip, slim_raw = zipped_size(layer.parent, provided_files(layer))
            result["domain_layer"] = {"zip_bytes": layer_zip, "unzipped_bytes": layer_raw}
            result["slim_layer"] = {"zip_bytes": slim_zip, "unzipped_bytes": slim_raw}
            own = _own_layers(root / "template.yaml")
            homes = {logical: [build / logical, _opt(Path(tmp), logical, [layer, *(build / n / "python" for n in
                                                                                    own.get(logical, []))])]
                     for logical in functions}  # fmt: skip
        else:
            homes = {logical: [root / uri, root / "src"] for logical, (uri, _) in functions.items()}
        rows = []
        for logical, (_, module) in functions.items():
            code_zip, code_raw = zipped_size(homes[logical][0]) if why is None else (None, None)
            times = import_seconds(homes[logical], module, s.imports)
            rows.append(
                {
                    "function": logical,
                    "handler_module": module,
                    "code_zip_bytes": code_zip,
                    "code_unzipped_bytes": code_raw,
                    "import_ms_median": round(statistics.median(times) * 1000),
                    "import_ms": [round(t * 1000) for t in times],
                }
            )
        result["functions"] = rows
    result["targets"] = [asdict(t) for t in footprint_targets(result)]
    return result


def footprint_targets(result: dict[str, Any]) -> list[Target]:
    """Which packaging path is smaller (a comparison the issue asks for, recorded as a target row)."""
    if "domain_layer" not in result:
        return [Target("footprint: smaller packaging path", result["sam_build"], "measured", None)]
    full, slim = result["domain_layer"]["zip_bytes"], result["slim_layer"]["zip_bytes"]
    measured = f"Powertools layer: {slim / 2**20:.1f} MiB vs bundled {full / 2**20:.1f} MiB (zip)"
    return [Target("footprint: domain layer we ship", measured, "pick the smaller", slim < full)]
