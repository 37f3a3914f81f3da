"""`fanout bench --quick`: every section runs at tiny sizes and the results, table and charts are written.

This checks that the benchmark runs and checks, never how fast anything is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fanout import cli
from fanout.bench import SECTIONS, UnknownSectionError
from fanout.ledger import LEGS
from tests.support import ROOT


@pytest.fixture
def runner(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner in the project folder (where the template is found)."""
    cli._register()
    monkeypatch.chdir(ROOT)
    return CliRunner()


def test_bench_quick_runs_every_section_and_writes_results_table_and_charts(runner: CliRunner, tmp_path: Path) -> None:
    # GIVEN/WHEN the quick benchmark runs every section into a temporary folder
    result = runner.invoke(cli.app, ["bench", "--quick", "--output", str(tmp_path)])
    # THEN it succeeds, prints the targets table, and writes the JSON and both charts
    assert result.exit_code == 0, result.output
    assert "| target | measured | goal | status |" in result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 4 and written[0].endswith("-quick.json")
    assert written[1:] == ["LATEST-quick.md", "latency-histogram-quick.png", "throughput-by-batch-quick.png"]
    assert "| target | measured | goal | status |" in (tmp_path / "LATEST-quick.md").read_text()
    results = json.loads((tmp_path / written[0]).read_text())
    assert results["ok"] and set(results["sections"]) == set(SECTIONS)
    # AND every section reports targets, each with a status, and nothing was lost on the offline run
    for name, section in results["sections"].items():
        assert section["targets"], name
        assert all(t["met"] in (True, False, None) for t in section["targets"])
    rate = results["sections"]["latency"]["rates"][0]
    assert rate["lost"] == 0 and rate["delivered"] == rate["put"] > 0
    # AND the trip is split where each record reached its output stream: two halves, in order, within the whole
    put_to_output, output_to_consumer = rate["stages"]["put_to_output"], rate["stages"]["output_to_consumer"]
    assert 0 <= put_to_output["p50_ms"] <= put_to_output["p99_ms"] <= rate["max_ms"]
    assert 0 <= output_to_consumer["p50_ms"] <= output_to_consumer["p99_ms"] <= rate["max_ms"]
    # AND into every leg between the stages stamped (arrival timestamps are whole milliseconds: -1 ms of slack)
    for first, then in LEGS:
        leg = rate["stages"][f"{first}_to_{then}"]
        assert -1 <= leg["p50_ms"] <= leg["p99_ms"] <= rate["max_ms"], (first, then, leg)
    breakdown = (tmp_path / "LATEST-quick.md").read_text().split("Where the time goes")[1].split("\n\n")[1]
    assert "| stored → read |" in breakdown and "| Flink |" in breakdown and " / " in breakdown
    # AND the Lambda engine was measured end to end too: every record routed by the router and delivered once
    router = results["sections"]["latency"]["router_rates"][0]
    assert router["engine"] == "lambda" and router["lost"] == router["duplicated"] == router["misrouted"] == 0
    assert (
        router["delivered"] == router["put"] > 0 and "| router Lambda |" in (tmp_path / "LATEST-quick.md").read_text()
    )
    assert results["sections"]["lifecycle"]["execution_status"] == "SUCCEEDED"
    assert results["sections"]["latency"]["producer"]["records_per_call_mean"] > 0
    assert all(f["import_ms_median"] > 0 for f in results["sections"]["footprint"]["functions"])
    assert (tmp_path / "throughput-by-batch-quick.png").read_bytes()[:4] == b"\x89PNG"


def test_bench_with_an_unknown_section_raises_a_named_error(runner: CliRunner) -> None:
    # GIVEN/WHEN a section that does not exist is asked for
    result = runner.invoke(cli.app, ["bench", "--quick", "--section", "speed"])
    # THEN the command fails with UnknownSectionError naming it (main() prints it as one line)
    assert isinstance(result.exception, UnknownSectionError)
    assert "'speed'" in str(result.exception)
