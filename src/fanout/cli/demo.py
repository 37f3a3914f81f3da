"""`fanout demo`: the whole fan-out and its lifecycle, offline, shown as it happens and verified."""

from __future__ import annotations

import json
import threading
import time
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fanout.cli.live import linger, live_page
from fanout.exceptions import UnsupportedRuntimeError
from fanout.localcloud import require_offline_runtime
from fanout.runtimes import DEFAULT_RUNTIME, check_runtime

console = Console()


class Engine(StrEnum):
    """What runs the routes (the template's Engine parameter)."""

    FLINK = "flink"
    LAMBDA = "lambda"


EngineOption = typer.Option("flink", help="flink: the lifecycle runs the Flink application; lambda: the router.")
_STYLE = {
    "router": "bold magenta",
    "cloud": "dim",
    "lifecycle": "bold cyan",
    "state": "bold",
    "producer": "green",
    "consumer": "magenta",
}


def _printer() -> Any:
    t0 = time.monotonic()
    lock = threading.Lock()

    def emit(kind: str, message: str) -> None:
        with lock:
            style = _STYLE.get(kind, "")
            console.print(f"[dim]+{time.monotonic() - t0:5.1f}s[/] [{style}]{kind:<9}[/] {message}", highlight=False)

    return emit


def _render(summary: dict[str, Any]) -> None:
    records = summary["records"]
    streams = Table(title="records")
    for column in ("stream", "delivered", "consumer batches", "retried", "dead-lettered"):
        streams.add_column(column, justify="right" if column != "stream" else "left")
    for route in ("positive", "negative", "rejected"):
        stats = summary["consumers"].get(route, {})
        streams.add_row(
            route,
            str(records["delivered"].get(route, 0)),
            str(stats.get("batches", 0)),
            str(stats.get("records_retried", 0)),
            str(stats.get("records_to_dlq", 0)),
        )
    console.print(streams)
    latency = records["latency_ms"]
    console.print(
        f"put {records['put']} · lost {records['lost']} · duplicated {records['duplicated']} · "
        f"misrouted {records['misrouted']} · put→consumer latency p50 {latency['p50']} ms, "
        f"p99 {latency['p99']} ms, max {latency['max']} ms ({latency['samples']} records) · "
        f"{summary['seconds']} s"
    )
    for check, held in summary["checks"].items():
        console.print(("[green]✔[/] " if held else "[red]✘[/] ") + check)


def register(app: typer.Typer) -> None:
    """Add the command to the CLI."""

    @app.command()
    def demo(
        records: int = typer.Option(3000, min=1, max=100_000, help="Records put while the application runs."),
        stopped_records: int = typer.Option(1000, min=0, max=100_000, help="Records put while it is stopped."),
        rate: int = typer.Option(1500, min=1, help="Records per second the producer aims for."),
        window: int = typer.Option(6, min=2, max=600, help="Seconds of the first run window."),
        engine: Engine = EngineOption,
        runtime: str = typer.Option(
            DEFAULT_RUNTIME, "--runtime", help="The stack's FlinkRuntime: FLINK-1_20 or FLINK-2_2 (engine flink)."
        ),
        batching_window: int | None = typer.Option(
            None,
            "--batching-window",
            min=0,
            max=300,
            help="The consumers' batching window in seconds [default: the template's, 1 s, which adds up to 1 s].",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print only the summary, as JSON."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the Lambda functions' own logs."),
        open_page: bool = typer.Option(
            False, "--open", help="Serve the live page on loopback and open it in the browser (Ctrl-C to close)."
        ),
        page_port: int | None = typer.Option(
            None, "--page-port", min=0, max=65535, help="Serve the live page on this port (0: a free one)."
        ),
    ) -> None:
        """Run the fan-out and its lifecycle offline (no AWS account, no Docker) and verify every record.

        Starts a local cloud, deploys template.yaml into it, runs the lifecycle state machine for two
        windows, puts fake transactions (5% malformed) while the application runs and while it is
        stopped, and checks that each one reached exactly one correct stream and its consumer.
        Exits 1 if any record was lost, duplicated or misrouted.

        With --open (or --page-port), a live page shows it as it happens: the streams' rates, the
        application's windows, the executions, the consumers and the last rejected records.

        Example: fanout demo --records 5000 --json
        """
        require_offline_runtime()
        from fanout.demo import DemoSettings, run_demo

        try:
            checked = check_runtime(runtime)
        except UnsupportedRuntimeError as exc:
            raise typer.BadParameter(str(exc), param_hint="--runtime") from exc
        settings = DemoSettings(
            records=records,
            stopped_records=stopped_records,
            rate=rate,
            window_seconds=window,
            engine=engine.value,
            runtime=checked,
            batching_window=batching_window,
        )
        level = "DEBUG" if verbose else ("ERROR" if as_json else "WARNING")
        with live_page(open_page, page_port) as page:
            summary = run_demo(settings, None if as_json else _printer(), level, page.feed if page else None)
            if as_json:
                typer.echo(json.dumps(summary, indent=2, default=str))
            else:
                _render(summary)
            if page is not None and open_page:
                linger()
        raise typer.Exit(0 if summary["ok"] else 1)
