"""What goes into the Flink artifact zip, and where: one list shared by the real build and the offline stand-in.

Layout (``kinesis.analytics.flink.run.options``: ``python`` = ``main.py``, ``jarfile`` = ``lib/<jar>``)::

    main.py                          flink/main.py, the PyFlink job
    fanout.sql                       sql/fanout.sql, with its ${...} placeholders
    fanout/exceptions.py             the pure-Python modules main.py imports (Managed Flink installs no
    fanout/env.py                    pip requirements); shipped without __init__.py, as namespace
    fanout/routes/exceptions.py      packages, so the installed `fanout` package wins when present
    fanout/routes/placeholders.py
    lib/<connector>.jar              the one connector jar (absent from the offline stand-in)

Example:
    >>> sorted(artifact_entries(find_project_root()))[:2]
    ['fanout.sql', 'fanout/env.py']
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import fanout
from fanout.artifact.exceptions import ArtifactSourceError

ENTRY_POINT = "main.py"
SQL_NAME = "fanout.sql"
LIB_DIR = "lib"
PROJECT_FILES: dict[str, str] = {ENTRY_POINT: "flink/main.py", SQL_NAME: "sql/fanout.sql"}
"""Artifact name -> path in the project checkout."""
SHIPPED_MODULES: tuple[str, ...] = (
    "fanout/exceptions.py",
    "fanout/env.py",
    "fanout/routes/exceptions.py",
    "fanout/routes/placeholders.py",
)
"""The modules main.py imports, taken from the installed ``fanout`` package (stdlib-only imports)."""
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def find_project_root(explicit: Path | None = None) -> Path:
    """The project folder: explicit > the current folder or a parent with flink/main.py > the source checkout."""
    candidates = [explicit] if explicit is not None else [Path.cwd(), *Path.cwd().parents]
    if explicit is None:
        candidates.append(Path(fanout.__file__).resolve().parents[2])
    for folder in candidates:
        if all((folder / rel).is_file() for rel in PROJECT_FILES.values()):
            return folder
    where = f"{explicit}" if explicit is not None else "the current folder, its parents or the source checkout"
    raise ArtifactSourceError(f"no {' and '.join(PROJECT_FILES.values())} in {where}: run from the project folder")


def artifact_entries(root: Path) -> dict[str, Path]:
    """Every file of the artifact but the jar: ``{name in the zip: source path}``."""
    entries = {name: root / rel for name, rel in PROJECT_FILES.items()}
    package = Path(fanout.__file__).resolve().parent
    entries.update({name: package / name.removeprefix("fanout/") for name in SHIPPED_MODULES})
    missing = [str(path) for path in entries.values() if not path.is_file()]
    if missing:
        raise ArtifactSourceError(f"the artifact needs {', '.join(missing)}, which do not exist")
    return entries


def jar_entry(jar: Path) -> str:
    """The jar's name in the zip (``lib/<file name>``, what the ``jarfile`` run option points at)."""
    return f"{LIB_DIR}/{jar.name}"


def _write(target: zipfile.ZipFile, entries: Mapping[str, Path]) -> None:
    for name in sorted(entries):
        info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
        info.compress_type = zipfile.ZIP_STORED if name.endswith(".jar") else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with entries[name].open("rb") as source, target.open(info, "w") as dest:
            while chunk := source.read(1 << 20):
                dest.write(chunk)


def zip_bytes(entries: Mapping[str, Path]) -> bytes:
    """The zip of ``entries`` in memory (the same bytes for the same files: fixed timestamps, sorted)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        _write(zf, entries)
    return buf.getvalue()


def write_zip(entries: Mapping[str, Path], out: Path) -> Path:
    """Write the zip of ``entries`` to ``out`` atomically: a failure leaves no partial zip behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out.parent, prefix=f".{out.name}-", delete=False) as tmp:
        try:
            with zipfile.ZipFile(tmp, "w") as zf:
                _write(zf, entries)
        except BaseException:
            tmp.close()
            Path(tmp.name).unlink(missing_ok=True)
            raise
    os.replace(tmp.name, out)
    return out
