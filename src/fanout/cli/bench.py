"""`fanout bench`: measure the fan-out against same-run baselines and print every target, met or not."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fanout.bench.sections import SECTIONS, check_sections
from fanout.localcloud import require_offline_runtime
from fanout.sam.template import find_template

console = Console()
_OUTPUT_HELP = "Folder for <date>.json, LATEST.md and the PNGs (default: benchmarks/results; --quick: a temp folder)."
_SECTION_HELP = f"Run only these sections (repeatable): {', '.join(SECTIONS)}."


def register(app: typer.Typer) -> None:
    """Add the command to the CLI."""

    @app.command()
    def bench(
        quick: bool = typer.Option(False, "--quick", help="Tiny sizes (seconds): proves it runs, not how fast."),
        section: Annotated[list[str] | None, typer.Option("--section", "-s", help=_SECTION_HELP)] = None,
        output: Annotated[Path | None, typer.Option("--output", "-o", help=_OUTPUT_HELP)] = None,
        as_json: bool = typer.Option(False, "--json", help="Print the results JSON instead of the tables."),
    ) -> None:
        """Benchmark routing throughput, end-to-end latency, producer and lifecycle efficiency, and footprint.

        Every headline is a ratio against a baseline measured in the same run.

        Writes benchmarks/results/<date>.json, LATEST.md and two PNG charts (--quick: into a temp
        folder), and prints a Markdown table with each target marked met or not met.

        Exits 1 when a correctness check fails (the route executor disagrees with the reference
        routing, or a record is misrouted or duplicated); a missed target or a lost record is reported.
        The full run takes about 6 minutes on 2 cores.

        Example: fanout bench --quick --section throughput
        """
        chosen = check_sections(section or [])
        require_offline_runtime()
        from fanout.bench import BenchSettings, run_bench

        root = find_template().parent
        settings = BenchSettings.tiny() if quick else BenchSettings()
        emit = None if as_json else (lambda message: console.print(f"[dim]…[/] {message}", highlight=False))
        if output is None:  # a quick run proves nothing worth keeping: it stays out of the results folder
            output = Path(tempfile.mkdtemp(prefix="fanout-bench-")) if quick else root / "benchmarks" / "results"
        results = run_bench(root, settings, chosen, output, emit)
        if as_json:
            typer.echo(json.dumps(results, indent=1, default=str))
        else:
            typer.echo(results["markdown"])
            for path in results.get("files", []):
                console.print(f"[dim]wrote[/] {path}", highlight=False)
            if not results["ok"]:
                console.print("[bold red]correctness check failed[/] (see the targets table)")
        raise typer.Exit(0 if results["ok"] else 1)
