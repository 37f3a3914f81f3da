"""Differential fuzzing against real Flink: the saved regression cases, and a fixed-seed run within a budget.

The corpus (``tests/fuzz/corpus/*.json``) holds every mismatch the fuzzer found, shrunk, with what real Flink
did. The local evaluator must now do the same: that check needs no Flink and runs in every test run. With
``.venv-flink`` (``make test``, CI), the fuzzer runs the first ``FANOUT_FUZZ_ROUNDS`` rounds (4 by default,
about 100 scripts) of a fixed seed: the same scripts and records on every machine, so CI is deterministic.
``make parity`` (``FANOUT_CORPUS_REPLAY=1``) also replays each case in Flink, one job per case, so the corpus
cannot go stale when the pinned Flink changes; ``make test`` leaves that out for its time. ``make fuzz``
explores beyond.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fanout.env import FANOUT_CORPUS_REPLAY, FANOUT_FUZZ_ROUNDS
from fanout.routes import parse_script
from fanout.routes.evaluator import Program
from fanout.routes.exceptions import RouteError
from fanout.runtimes import FLINK_1_20, FLINK_2_2
from tests.fuzz.grammar import scripts
from tests.fuzz.harness import CORPORA, Fuzzer, run_local
from tests.parity.flink_session import FlinkJobFailedError, FlinkSession
from tests.support import require_flink_python

CASES = [(runtime, path) for runtime, corpus in CORPORA.items() for path in sorted(corpus.glob("*.json"))]
CASE_IDS = [f"{'2.2-' if runtime == FLINK_2_2 else ''}{path.stem}" for runtime, path in CASES]
DEFAULT_FUZZ_ROUNDS = 4


def _load(path: Path) -> dict:
    case = json.loads(path.read_text())
    case["records"] = [base64.b64decode(record) for record in case["records"]]
    return case


def _local(sql: str, records: list[bytes], runtime: str) -> tuple[dict[str, bytes], dict[int, str]] | str:
    """Per sink table, the bytes of its file (payload + newline each), and the failures; or the refusal.

    A record the job only may fail on (by the order Flink's planner gives a WHERE's terms) counts as failing
    when the case has Flink fail; otherwise its rows are those it has when the job does not fail.
    """
    try:
        program = Program(parse_script(sql), runtime)
    except RouteError as exc:
        return f"{type(exc).__name__}: {exc}"
    failures: dict[int, str] = {}
    uncertain: dict[int, str] = {}
    rows = program.execute(records, failures, uncertain)
    outputs = {sink: b"".join(p + b"\n" for _, p in rows[sink]) for sink in rows}
    return outputs, {**failures, **{index: f"may fail: {why}" for index, why in uncertain.items()}}


def test_fuzz_corpus_is_not_empty_of_structure() -> None:
    # GIVEN the saved cases WHEN reading them THEN each names its kind, script, records and Flink's behaviour
    for runtime, path in CASES:
        case = _load(path)
        assert {"kind", "sql", "records", "flink"} <= set(case), path.name
        assert case.get("runtime", FLINK_1_20) == runtime, path.name
        assert set(case["flink"]) <= {"outputs", "fails", "rejects"}, path.name


def test_fuzz_harness_keeps_an_evaluator_crash_as_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a generated script and an evaluator that raises what is not a refusal (a bug)
    script = next(scripts(20261202))

    def crash(*_: object) -> None:
        raise ZeroDivisionError("decimal division by zero")

    monkeypatch.setattr(Program, "execute", crash)
    # WHEN the harness runs it locally
    local = run_local(script, [b'{"id": 1}'])
    # THEN the run goes on with the crash kept (it becomes a local-crash mismatch), not a refusal or an abort
    assert local.crashed is not None and local.refused is None
    assert "routing: ZeroDivisionError: decimal division by zero" in local.crashed


@pytest.mark.parametrize(("runtime", "path"), CASES, ids=CASE_IDS)
def test_fuzz_corpus_case_runs_locally_as_flink_ran_it(runtime: str, path: Path) -> None:
    # GIVEN a shrunk mismatch and what real Flink (the runtime's version) did with it
    case = _load(path)
    flink = case["flink"]
    # WHEN the local evaluator runs it, emulating that runtime
    local = _local(case["sql"], case["records"], runtime)
    # THEN it does what Flink did: the same bytes, a job failure, or a refusal before running
    if "rejects" in flink:
        assert isinstance(local, str), f"Flink rejects this script ({flink['rejects'][:300]}); we accept it"
        return
    assert not isinstance(local, str), f"refused: {local}"
    outputs, failures = local
    if "fails" in flink:
        assert failures, f"Flink fails the job ({flink['fails'][:300]}); we route every record"
        return
    certain = {index: why for index, why in failures.items() if not why.startswith("may fail: ")}
    assert not certain, f"we predict a job failure that Flink does not have: {certain}"
    expected = {sink: base64.b64decode(data) for sink, data in flink["outputs"].items()}
    assert outputs == expected


@pytest.fixture(scope="module")
def flink() -> Iterator[FlinkSession]:
    """One Flink 1.20 JVM for the module (skipped without .venv-flink, unless FANOUT_PARITY=1)."""
    with FlinkSession(require_flink_python(FLINK_1_20)) as session:
        yield session


@pytest.fixture(scope="module")
def flink2() -> Iterator[FlinkSession]:
    """One Flink 2.2 JVM for the module (skipped without .venv-flink2: `make parity` creates it)."""
    with FlinkSession(require_flink_python(FLINK_2_2)) as session:
        yield session


@pytest.mark.parity
@pytest.mark.parametrize(("runtime", "path"), CASES, ids=CASE_IDS)
def test_fuzz_corpus_case_still_what_flink_does(
    runtime: str, path: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if os.environ.get(FANOUT_CORPUS_REPLAY) != "1":
        pytest.skip(f"replaying the corpus in Flink is for `make parity` ({FANOUT_CORPUS_REPLAY}=1)")
    flink: FlinkSession = request.getfixturevalue("flink" if runtime == FLINK_1_20 else "flink2")
    # GIVEN a saved case
    case = _load(path)
    # WHEN replayed in real Flink
    try:
        result: dict[str, bytes] | str = {
            name: b"".join(line + b"\n" for line in lines)
            for name, lines in flink.run(case["sql"], case["records"], tmp_path).items()
        }
    except FlinkJobFailedError as exc:
        result = str(exc)
    # THEN Flink still does what the case says (the corpus does not go stale)
    flink_case = case["flink"]
    if "outputs" in flink_case:
        assert result == {sink: base64.b64decode(data) for sink, data in flink_case["outputs"].items()}
    else:
        assert isinstance(result, str), f"Flink no longer fails this job: {result}"


@pytest.mark.parity
def test_fuzz_fixed_seed_finds_no_mismatch(flink: FlinkSession) -> None:
    # GIVEN the fuzzer on a fixed seed and a budget of rounds
    rounds = int(os.environ.get(FANOUT_FUZZ_ROUNDS, DEFAULT_FUZZ_ROUNDS))
    fuzzer = Fuzzer(flink, seed=20261201, shrink=False)
    try:
        # WHEN it runs those rounds
        fuzzer.run(0.0, rounds=rounds)
    finally:
        fuzzer.close()
    # THEN it compared scripts and found no difference from Flink
    stats = fuzzer.stats
    print(json.dumps(stats.to_dict()))
    assert stats.compared > 0 and stats.outputs_compared > 0
    assert not fuzzer.mismatches, "\n\n".join(m.describe() for m in fuzzer.mismatches)
