"""Differential fuzzing: generated route scripts run in real Flink (one JVM, many scripts per job) and locally.

One round: generate scripts and records; compile each script locally (a refusal is counted, never compared);
route the records locally, which also names the records on which Flink would fail the job; then run every
accepted script in ONE Flink job, each over its records less those, and compare each sink's bytes. Then check,
for a sample of the predicted job failures, that Flink does fail on that record alone. A difference is shrunk
(records, then sinks, then expression nodes) and saved as a regression case in ``tests/fuzz/corpus``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fanout.routes import parse_script
from fanout.routes.evaluator import Program
from fanout.routes.exceptions import RouteError
from fanout.runtimes import FLINK_1_20, FLINK_2_2
from tests.fuzz.grammar import Node, RecordGenerator, Script, ScriptGenerator, Sink, View
from tests.parity.flink_session import FlinkJobFailedError, FlinkSession, FlinkSessionError

CORPUS = Path(__file__).with_name("corpus")
CORPORA = {FLINK_1_20: CORPUS, FLINK_2_2: Path(__file__).with_name("corpus-2.2")}
"""Where each runtime's cases are: what real Flink 1.20.5, and 2.2.1, did with each."""
SHRINK_RUNS = 80  # Flink jobs one shrink may run


@dataclass
class Local:
    """What the local evaluator makes of a script over records."""

    refused: str | None = None
    crashed: str | None = None  # the evaluator raised what it never should (a bug, not a refusal): a mismatch
    outputs: dict[str, bytes] = field(default_factory=dict)  # sink -> the bytes of its file (payload + newline each)
    failures: dict[int, str] = field(default_factory=dict)  # record index -> why Flink would fail the job
    # record index -> why Flink may fail the job, depending on its plan; outputs leave them out, and
    # alternatives holds, per such record, the outputs it has alone if the job does not fail
    uncertain: dict[int, str] = field(default_factory=dict)
    alternatives: dict[int, dict[str, bytes]] = field(default_factory=dict)
    fast_records: int | None = None  # how many records the generated fast path routed (None: the script has none)

    @property
    def skipped(self) -> set[int]:
        """The records not compared in a combined job: those that fail or may fail."""
        return set(self.failures) | set(self.uncertain)


@dataclass
class Mismatch:
    """A difference between Flink and the local evaluator."""

    kind: str  # output | flink-rejects | flink-fails | local-fails-only | local-crash
    script: Script
    records: list[bytes]
    detail: str

    def describe(self) -> str:
        """A readable account."""
        shown = "\n".join(f"  {record!r}" for record in self.records[:10])
        return f"[{self.kind}] {self.detail}\n{self.script.local_sql()}records:\n{shown}"


@dataclass
class Stats:
    """What a fuzz run covered."""

    rounds: int = 0
    scripts: int = 0
    refused: int = 0
    compared: int = 0
    records: int = 0
    outputs_compared: int = 0
    fast_scripts: int = 0  # compared scripts the evaluator ran through its generated fast path
    fast_records: int = 0  # records of those that the fast path routed
    failures_checked: int = 0
    uncertain_checked: int = 0  # records Flink may fail the job on (by its plan's order of WHERE terms)
    flink_jobs: int = 0
    lost_rounds: int = 0  # rounds abandoned because the Flink server stopped answering (not a finding)
    seconds: float = 0.0
    refusals: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        data = {key: value for key, value in self.__dict__.items() if key != "refusals"}
        data["top_refusals"] = dict(self.refusals.most_common(10))
        return data


def run_local(script: Script, records: list[bytes], runtime: str = FLINK_1_20) -> Local:
    """Compile and run ``script`` locally over ``records`` as ``runtime`` would; an exception other than a
    refusal is ``crashed``."""
    try:
        program = Program(parse_script(script.local_sql()), runtime)
    except RouteError as exc:
        return Local(refused=f"{type(exc).__name__}: {str(exc).split(' (line')[0][:100]}")
    except Exception as exc:  # a crash is a finding, kept with the script that caused it
        return Local(crashed=_crash(exc, "compiling"))
    if program.hazards:
        # `fanout sql check` rejects it (job-failure-risk): where Flink evaluates it is Calcite's choice.
        return Local(refused=f"job-failure-risk: {program.hazards[0].construct}")
    failures: dict[int, str] = {}
    uncertain: dict[int, str] = {}
    try:
        rows = program.execute(records, failures, uncertain)
    except Exception as exc:  # the same
        return Local(crashed=_crash(exc, "routing"))

    def outputs(indexes: set[int]) -> dict[str, bytes]:
        return {sink: b"".join(data + b"\n" for index, data in rows[sink] if index in indexes) for sink in rows}

    certain = set(range(len(records))) - set(failures) - set(uncertain)
    alternatives = {index: outputs({index}) for index in uncertain}
    fast = None
    if program.fast is not None:  # the records it took are in the outputs Flink's are compared with
        scratch: list[list[tuple[int, bytes]]] = [[] for _ in program.routes]
        fast = sum(program.fast(record, index, scratch) for index, record in enumerate(records))
    return Local(
        outputs=outputs(certain), failures=failures, uncertain=uncertain, alternatives=alternatives, fast_records=fast
    )


def _crash(exc: Exception, doing: str) -> str:
    """What an evaluator crash says: the exception and the innermost frames of its traceback."""
    frames = traceback.format_exception(exc)[-4:]
    return f"the evaluator crashed {doing}: {type(exc).__name__}: {exc}\n{''.join(frames)[-1200:]}"


def _sink_path(workdir: Path, script: Script, sink: Sink) -> Path:
    return workdir / "sinks" / f"{script.prefix}{sink.name}"


def flink_spec(jobs: list[tuple[Script, list[bytes]]], workdir: Path) -> dict[str, Any]:
    """One Flink job running every script over its records, with the filesystem connector."""
    statements: list[dict[str, Any]] = []
    sinks: dict[str, str] = {}
    for script, records in jobs:
        source = workdir / "input" / f"{script.prefix}records.txt"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(b"".join(record + b"\n" for record in records))
        options = {}
        for sink in script.sinks:
            path = _sink_path(workdir, script, sink)
            sinks[f"{script.prefix}{sink.name}"] = str(path)
            options[sink.name] = f"'connector' = 'filesystem', 'path' = '{path}', 'format' = '{sink.fmt}'"
        text = script.sql(f"'connector' = 'filesystem', 'path' = '{source}', 'format' = 'raw'", options)
        for statement in text.split(";\n"):
            if statement.strip():
                statements.append({"sql": statement, "insert": statement.startswith("INSERT")})
    return {"statements": statements, "sinks": sinks, "out": str(workdir / "out")}


class Fuzzer:
    """Runs rounds against one Flink session and collects (shrunk) mismatches."""

    def __init__(self, flink: FlinkSession, seed: int, scripts_per_round: int = 24, records_per_round: int = 48,
                 failure_checks: int = 3, shrink: bool = True, runtime: str = FLINK_1_20) -> None:  # fmt: skip
        self.session = flink
        self.runtime = runtime  # the one the session runs: the evaluator emulates it
        self.shrinking = shrink
        self.seed = seed
        self.scripts_per_round = scripts_per_round
        self.records_per_round = records_per_round
        self.failure_checks = failure_checks
        self.stats = Stats()
        self.mismatches: list[Mismatch] = []
        self._workdir = Path(tempfile.mkdtemp(prefix="fanout-fuzz-"))
        self._jobs = 0

    def close(self) -> None:
        """Remove the work files."""
        shutil.rmtree(self._workdir, ignore_errors=True)

    # ------------------------------------------------------------------ Flink

    def flink(self, jobs: list[tuple[Script, list[bytes]]]) -> dict[str, dict[str, bytes]] | str:
        """Run ``jobs`` in one Flink job: per script prefix, sink -> file bytes; or the failure message."""
        self._jobs += 1
        self.stats.flink_jobs += 1
        workdir = self._workdir / f"job{self._jobs}"
        spec = flink_spec(jobs, workdir)
        try:
            self.flink_session_submit(spec)
        except FlinkJobFailedError as exc:
            return str(exc)
        finally:
            shutil.rmtree(workdir / "input", ignore_errors=True)
        results: dict[str, dict[str, bytes]] = {}
        for script, _ in jobs:
            results[script.prefix] = {
                sink.name: (workdir / "out" / f"{script.prefix}{sink.name}.out").read_bytes() for sink in script.sinks
            }
        shutil.rmtree(workdir, ignore_errors=True)
        return results

    def flink_session_submit(self, spec: dict[str, Any]) -> None:
        """Submit one job spec; FlinkJobFailedError when Flink fails it."""
        self.session.submit(spec)

    # ------------------------------------------------------------------ comparison

    def compare(self, script: Script, records: list[bytes]) -> Mismatch | None:
        """Run one script over ``records`` in Flink and locally; the first difference, or None (refused: None)."""
        local = run_local(script, records, self.runtime)
        if local.crashed:
            return Mismatch("local-crash", script, records, local.crashed)
        if local.refused:
            return None
        kept = [r for i, r in enumerate(records) if i not in local.skipped]
        result = self.flink([(script, kept)])
        if isinstance(result, str):
            return self._failed_job(script, kept, result)
        found = self._outputs(script, records, local, result[script.prefix])
        if found:
            return found
        for index in list(local.failures)[:1]:
            failed = self._check_failure(script, records[index], local.failures[index])
            if failed:
                return failed
        for index in list(local.uncertain)[:1]:
            failed = self._check_uncertain(script, records[index], local, index)
            if failed:
                return failed
        return None

    def _failed_job(self, script: Script, records: list[bytes], error: str) -> Mismatch:
        planning = "JobExecutionException" not in error
        kind = "flink-rejects" if planning else "flink-fails"
        return Mismatch(kind, script, records, error[:1500])

    def _outputs(self, script: Script, records: list[bytes], local: Local, flink: dict[str, bytes]) -> Mismatch | None:
        for sink in script.sinks:
            ours, theirs = local.outputs[script.prefix + sink.name], flink[sink.name]
            if ours != theirs:
                detail = f"sink {sink.name}:\n  local: {ours[:600]!r}\n  flink: {theirs[:600]!r}"
                return Mismatch("output", script, records, detail)
        return None

    def _check_failure(self, script: Script, record: bytes, reason: str) -> Mismatch | None:
        self.stats.failures_checked += 1
        result = self.flink([(script, [record])])
        if isinstance(result, str):
            return None
        return Mismatch("local-fails-only", script, [record], f"local: {reason}; Flink routed it: {result}")

    def _check_uncertain(self, script: Script, record: bytes, local: Local, index: int) -> Mismatch | None:
        """A record the job may fail on: Flink fails, or routes it as the evaluator does when it does not."""
        self.stats.uncertain_checked += 1
        result = self.flink([(script, [record])])
        if isinstance(result, str):
            return None
        alone = {script.prefix + sink: data for sink, data in result[script.prefix].items()}
        if alone == local.alternatives[index]:
            return None
        detail = f"{local.uncertain[index]}; Flink routed it otherwise: {alone}, not {local.alternatives[index]}"
        return Mismatch("output", script, [record], detail)

    def expected(self, mismatch: Mismatch) -> dict[str, bytes] | str:
        """What Flink does with a mismatch's script and records: per sink table, its bytes; or the failure."""
        result = self.flink([(mismatch.script, mismatch.records)])
        if isinstance(result, str):
            return result
        return {mismatch.script.prefix + sink: data for sink, data in result[mismatch.script.prefix].items()}

    # ------------------------------------------------------------------ rounds

    def round(self, number: int) -> list[Mismatch]:
        """One round: generate, run locally, one combined Flink job, failure checks; shrink what differs."""
        rng = random.Random(f"{self.seed}:{number}")
        generator = ScriptGenerator(rng)
        records = RecordGenerator(rng).records(self.records_per_round)
        scripts = [generator.script(f"r{number}s{index}_") for index in range(self.scripts_per_round)]
        self.stats.rounds += 1
        self.stats.scripts += len(scripts)
        accepted: list[tuple[Script, Local]] = []
        found: list[Mismatch] = []
        for script in scripts:
            local = run_local(script, records, self.runtime)
            if local.crashed:
                found.append(Mismatch("local-crash", script, records, local.crashed))
            elif local.refused:
                self.stats.refused += 1
                self.stats.refusals[local.refused] += 1
            else:
                accepted.append((script, local))
        found += self._compare_group(accepted, records)
        checks = [(s, local) for s, local in accepted if local.failures][: self.failure_checks]
        for script, local in checks:
            index = next(iter(local.failures))
            mismatch = self._check_failure(script, records[index], local.failures[index])
            if mismatch:
                found.append(mismatch)
        doubts = [(s, local) for s, local in accepted if local.uncertain][: self.failure_checks]
        for script, local in doubts:
            index = next(iter(local.uncertain))
            mismatch = self._check_uncertain(script, records[index], local, index)
            if mismatch:
                found.append(mismatch)
        shrunk = [self.shrink(mismatch) for mismatch in found] if self.shrinking else found
        self.mismatches += shrunk
        return shrunk

    def run(self, seconds: float, found: Callable[[Mismatch], None] | None = None, rounds: int | None = None) -> None:
        """Run rounds until ``seconds`` have passed (at least one), or exactly ``rounds`` rounds when given (the
        same scripts and records on any machine); ``found`` is told of each mismatch."""
        started = time.monotonic()
        number = 0
        try:
            while number == 0 or (number < rounds if rounds is not None else time.monotonic() - started < seconds):
                try:
                    mismatches = self.round(number)
                except FlinkSessionError as exc:  # the server, not the SQL: a fresh JVM takes the next round
                    print(f"round {number} lost: {exc}", flush=True)
                    self.stats.lost_rounds += 1
                    self.session.close()
                    mismatches = []
                for mismatch in mismatches:
                    if found is not None:
                        found(mismatch)
                number += 1
        finally:  # an interrupted run still reports how long it ran
            self.stats.seconds = round(time.monotonic() - started, 1)

    def _compare_group(self, group: list[tuple[Script, Local]], records: list[bytes]) -> list[Mismatch]:
        if not group:
            return []
        jobs = [(s, [r for i, r in enumerate(records) if i not in local.skipped]) for s, local in group]
        result = self.flink(jobs)
        if isinstance(result, str):
            if len(group) == 1:
                return [self._failed_job(group[0][0], jobs[0][1], result)]
            middle = len(group) // 2
            return self._compare_group(group[:middle], records) + self._compare_group(group[middle:], records)
        found = []
        for script, local in group:
            self.stats.compared += 1
            self.stats.records += len(records)
            self.stats.outputs_compared += len(script.sinks)
            if local.fast_records is not None:
                self.stats.fast_scripts += 1
                self.stats.fast_records += local.fast_records
            mismatch = self._outputs(script, records, local, result[script.prefix])
            if mismatch:
                found.append(mismatch)
        return found

    # ------------------------------------------------------------------ shrinking

    def reproduces(self, mismatch: Mismatch, script: Script, records: list[bytes]) -> Mismatch | None:
        """The mismatch ``script`` over ``records`` shows, if of the same kind."""
        if not records:
            return None
        found = self.compare(script, records)
        return found if found is not None and found.kind == mismatch.kind else None

    def shrink(self, mismatch: Mismatch) -> Mismatch:
        """A smaller script and fewer records showing the same kind of mismatch (within SHRINK_RUNS jobs)."""
        budget = [SHRINK_RUNS]

        def attempt(script: Script, records: list[bytes]) -> Mismatch | None:
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            return self.reproduces(mismatch, script, records)

        best = mismatch
        best = _shrink_records(best, attempt)
        for candidate in _script_candidates(best.script):
            if budget[0] <= 0:
                break
            if candidate.size() >= best.script.size():
                continue
            found = attempt(candidate, best.records)
            if found:
                best = found
        # A second pass over expressions: shrinking a sink may have opened new steps.
        for candidate in _script_candidates(best.script):
            if budget[0] <= 0:
                break
            if candidate.size() < best.script.size() and (found := attempt(candidate, best.records)):
                best = found
        return best


def _shrink_records(mismatch: Mismatch, attempt: Callable[[Script, list[bytes]], Mismatch | None]) -> Mismatch:
    best = mismatch
    for record in mismatch.records:
        found = attempt(best.script, [record])
        if found:
            return found
    chunk = max(1, len(best.records) // 2)
    while chunk >= 1 and len(best.records) > 1:
        reduced = False
        for start in range(0, len(best.records), chunk):
            rest = best.records[:start] + best.records[start + chunk :]
            found = attempt(best.script, rest)
            if found:
                best, reduced = found, True
                break
        if not reduced:
            chunk //= 2
    return best


def _node_candidates(node: Node) -> list[Node]:
    """Smaller trees of ``node``'s family: a same-family child, or ``node`` with one child shrunk."""
    out = [child for child in node.children if child.family == node.family]
    for position, child in enumerate(node.children):
        for smaller in _node_candidates(child):
            children = list(node.children)
            children[position] = smaller
            out.append(replace(node, children=tuple(children)))
    return out


def _script_candidates(script: Script) -> list[Script]:
    """Smaller scripts: a sink dropped, a WHERE dropped, an expression node shrunk."""
    out: list[Script] = []
    sinks = list(script.sinks)
    for position in range(len(sinks)):
        if len(sinks) > 1:
            out.append(replace(script, sinks=tuple(sinks[:position] + sinks[position + 1 :])))
    for position, sink in enumerate(sinks):
        changed = [replace(sink, where=None)] if sink.where else []
        changed += [replace(sink, where=w) for w in (_node_candidates(sink.where) if sink.where else [])]
        for index, value in enumerate(sink.values):
            for smaller in _node_candidates(value):
                values = list(sink.values)
                values[index] = smaller
                changed.append(replace(sink, values=tuple(values)))
        for new in changed:
            out.append(replace(script, sinks=tuple([*sinks[:position], new, *sinks[position + 1 :]])))
    views = list(script.views)
    for position, view in enumerate(views):
        options: list[View] = [replace(view, where=None)] if view.where else []
        for index, (name, node) in enumerate(view.items or ()):
            for smaller in _node_candidates(node):
                items = list(view.items or ())
                items[index] = (name, smaller)
                options.append(replace(view, items=tuple(items)))
        for new_view in options:
            out.append(replace(script, views=tuple([*views[:position], new_view, *views[position + 1 :]])))
    return out


# ---------------------------------------------------------------------- corpus


def save_case(
    mismatch: Mismatch, flink: dict[str, bytes] | str, directory: Path = CORPUS, runtime: str = FLINK_1_20
) -> Path:
    """Save a shrunk mismatch as a regression case: the script, the records and what Flink did."""
    directory.mkdir(parents=True, exist_ok=True)
    sql = mismatch.script.local_sql()
    digest = hashlib.sha256(sql.encode() + b"\0".join(mismatch.records)).hexdigest()[:12]
    case = {
        "kind": mismatch.kind,
        "found": time.strftime("%Y-%m-%d"),
        "sql": sql,
        "records": [base64.b64encode(record).decode() for record in mismatch.records],
        "flink": (
            {"fails" if "JobExecutionException" in flink else "rejects": flink}
            if isinstance(flink, str)
            else {"outputs": {sink: base64.b64encode(data).decode() for sink, data in flink.items()}}
        ),
        **({"runtime": runtime} if runtime != FLINK_1_20 else {}),
    }
    path = directory / f"{digest}.json"
    path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
    return path
