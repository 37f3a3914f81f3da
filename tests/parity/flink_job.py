"""Turn a route script into a PyFlink job over local files, run it, and read back each sink's records.

The SQL text is kept as written, statement by statement; only each table's ``WITH (...)`` block is
replaced: the connector options give way to ``'connector' = 'filesystem'`` and a ``'path'``, while the
``format`` option and that format's own options (``json.*``, ``raw.*``) stay. Statement boundaries and
the ``WITH`` block are found with sqlglot's tokenizer, the statement kinds with its parser.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from fanout.routes.dialect import FanoutFlink
from fanout.routes.parser import parse_script
from fanout.routes.placeholders import find_placeholders

RUNNER = Path(__file__).with_name("flink_runner.py")
FLINK_TIMEOUT_S = 240


@dataclass(frozen=True)
class FlinkJob:
    """The statements to run (text, is it an INSERT) and the directory each sink table writes to."""

    statements: tuple[tuple[str, bool], ...]
    sinks: dict[str, Path]


def _split(sql: str) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    for token in FanoutFlink().tokenize(sql):
        if token.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(token)
    return [tokens for tokens in statements if tokens]


def _with_block(tokens: list[Token]) -> tuple[int, int]:
    """The (start, end) token positions of the top-level ``WITH ( ... )`` of a CREATE TABLE."""
    depth = 0
    for position, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif token.token_type == TokenType.WITH and depth == 0:
            close, depth = position + 1, 0
            while close < len(tokens):
                depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[close].token_type, 0)
                if depth == 0:
                    return position, close
                close += 1
    raise ValueError(f"CREATE TABLE without a WITH (...) block: {' '.join(t.text for t in tokens[:4])} ...")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _filesystem_options(options: dict[str, str], path: Path) -> str:
    fmt = options.get("format") or options.get("value.format")
    if fmt is None:
        raise ValueError("table without a 'format' option")
    kept = {"connector": "filesystem", "path": str(path), "format": fmt}
    kept |= {key: value for key, value in options.items() if key.startswith(f"{fmt}.")}
    return "WITH (" + ", ".join(f"{_literal(key)} = {_literal(value)}" for key, value in kept.items()) + ")"


def build_job(sql: str, source_path: Path, sink_root: Path) -> FlinkJob:
    """Rewrite ``sql`` for the filesystem connector: sources read ``source_path``, sinks write in ``sink_root``."""
    script = parse_script(sql)
    sink_names = {route.sink for route in script.inserts}
    statements: list[tuple[str, bool]] = []
    sinks: dict[str, Path] = {}
    for tokens in _split(sql):
        text = sql[tokens[0].start : tokens[-1].end + 1]
        parsed = sqlglot.parse_one(text, dialect=FanoutFlink)
        if isinstance(parsed, exp.Create) and parsed.kind == "TABLE":
            table = script.tables[parsed.this.this.name]
            if table.name in sink_names:
                path = sinks[table.name] = sink_root / table.name
            else:
                path = source_path
            first, last = _with_block(tokens)
            text = sql[tokens[0].start : tokens[first].start] + _filesystem_options(table.options, path)
            text += sql[tokens[last].end + 1 : tokens[-1].end + 1]
        if find_placeholders(text):
            raise ValueError(f"placeholders outside a table's options: {sorted(find_placeholders(text))}")
        statements.append((text, isinstance(parsed, exp.Insert)))
    return FlinkJob(tuple(statements), sinks)


def read_sink(data: bytes) -> list[bytes]:
    """Split a filesystem sink's output (one record per line, each ending in a newline) into records."""
    return data.split(b"\n")[:-1] if data else []


def prepare(sql: str, records: list[bytes], workdir: Path) -> tuple[FlinkJob, dict[str, object]]:
    """Write ``records`` as the source file under ``workdir`` and build the job and its runner spec (JOB.json).

    ``workdir`` must not hold an earlier job's input. Records must not contain a newline: the filesystem
    source reads one record per line.
    """
    if any(b"\n" in record or record.endswith(b"\r") for record in records):
        raise ValueError("a record contains a newline or ends in CR: the filesystem source cannot carry it")
    source = workdir / "input" / "records.txt"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"".join(record + b"\n" for record in records))
    job = build_job(sql, source, workdir / "sinks")
    spec: dict[str, object] = {
        "statements": [{"sql": text, "insert": insert} for text, insert in job.statements],
        "sinks": {name: str(path) for name, path in job.sinks.items()},
        "out": str(workdir / "out"),
    }
    return job, spec


def read_sinks(job: FlinkJob, workdir: Path) -> dict[str, list[bytes]]:
    """Each sink's records, from the files the runner collected in ``<workdir>/out``."""
    return {name: read_sink((workdir / "out" / f"{name}.out").read_bytes()) for name in job.sinks}


def run_flink(sql: str, records: list[bytes], workdir: Path, python: Path) -> dict[str, list[bytes]]:
    """Run ``sql`` over ``records`` in real Flink; return each sink's records in the order Flink wrote them.

    Records must not contain a newline: the filesystem source reads one record per line.
    """
    job, spec = prepare(sql, records, workdir)
    (workdir / "job.json").write_text(json.dumps(spec, indent=2))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [str(python), str(RUNNER), str(workdir / "job.json")],
        capture_output=True, timeout=FLINK_TIMEOUT_S, env=env, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace")[-4000:]
        raise RuntimeError(f"the Flink job failed (exit {done.returncode}):\n{tail}")
    return read_sinks(job, workdir)


if __name__ == "__main__":  # debugging aid: print the rewritten statements of a script
    for statement, _ in build_job(Path(sys.argv[1]).read_text(), Path("in.txt"), Path("out")).statements:
        print(statement + ";\n")
