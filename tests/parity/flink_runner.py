"""Run a route script's statements in real Flink (PyFlink, local mini-cluster) and collect each sink's file.

Runs under the parity virtual environment (``.venv-flink/bin/python``), which has PyFlink but not the
project: it uses the standard library and PyFlink only.

Usage: ``flink_runner.py JOB.json`` where JOB.json is
``{"statements": [{"sql": "...", "insert": false}, ...], "sinks": {"<table>": "<dir>"}, "out": "<dir>"}``.
Statements that are not INSERTs run one by one; every INSERT goes into one StatementSet, executed and
waited for, as on Managed Flink. Then each sink's part files are concatenated into ``<out>/<table>.out``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run(job: dict) -> None:
    """Execute the job's statements with parallelism 1 (so each sink keeps the input order)."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
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
    run(job)
    collect(job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
