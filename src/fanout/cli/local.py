"""`fanout local up`: the offline runtime kept running, for your own `aws` CLI, scripts and `fanout` commands."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from fanout.lifecycle.status import ExecutionStatus
from fanout.localcloud import require_offline_runtime

if TYPE_CHECKING:
    from fanout.localcloud.session import LocalSession

console = Console()
err_console = Console(stderr=True)


def _render(session: LocalSession) -> None:
    console.print(f"[bold green]local cloud up[/] at [bold]{session.endpoint}[/] · stack [bold]{session.stack}[/]")
    table = Table(title="resources (the stack's Outputs)", show_lines=False)
    table.add_column("output")
    table.add_column("value", overflow="fold")
    for key, value in sorted(session.outputs.items()):
        table.add_row(key, value)
    console.print(table)
    if session.not_emulated:
        console.print("[dim]Deployed without a local effect:[/]")
        console.print("\n".join(f"  [dim]· {line}[/]" for line in session.not_emulated), highlight=False)
    if session.page:
        console.print(f"Live page: [bold]{session.page}[/]")
    console.print("In another shell, point the AWS CLI, boto3 and `fanout` at it:")
    console.print("\n".join(f"  export {k}={v}" for k, v in session.environment.items()), highlight=False)
    console.print(
        "Then for example: [bold]fanout run --action start[/] · [bold]fanout put --count 1000[/] · "
        "[bold]fanout tail positive[/] · [bold]aws kinesis list-streams[/]\nCtrl-C stops it."
    )


def _report_start(outcome: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"start": outcome}))
    elif outcome["status"] == ExecutionStatus.SUCCEEDED:
        console.print(f"application started by execution {outcome['name']} in {outcome['seconds']} s")
    else:
        console.print(f"[red]start execution {outcome['name']} ended {outcome['status']}[/]: {outcome['error']}")


def register(app: typer.Typer) -> None:
    """Add `fanout local` to the CLI."""
    local = typer.Typer(
        help="Keep the offline runtime (local cloud, Flink, consumers) running for other tools.",
        no_args_is_help=True,
    )

    @local.command("up")
    def up(
        port: int = typer.Option(0, min=0, max=65535, help="Loopback port for the endpoint [default: a free one]."),
        stack: str = typer.Option("fanout-local", "--stack", "-s", help="Name of the locally deployed stack."),
        start_app: bool = typer.Option(False, "--start-app", help="Run the lifecycle `start` action once up."),
        env_file: Annotated[
            Path | None, typer.Option(help="Also write the `export` lines to this file (to `source`).")
        ] = None,
        as_json: bool = typer.Option(False, "--json", help="Print the endpoint, environment and outputs as JSON."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the Lambda functions' own logs."),
        transition_seconds: float = typer.Option(2.0, min=0.0, help="Seconds each application transition takes."),
        page_port: int = typer.Option(0, min=0, max=65535, help="Loopback port of the live page (0: a free one)."),
        page: bool = typer.Option(True, "--page/--no-page", help="Serve the live page."),
        open_page: bool = typer.Option(False, "--open", help="Also open the live page in the browser."),
    ) -> None:
        """Start the local cloud, deploy template.yaml into it, and keep it running until Ctrl-C.

        Prints the endpoint, the environment variables another shell needs, and the stack's Outputs,
        which `fanout` commands resolve by themselves (set FANOUT_STACK or pass --stack). A live page on
        loopback shows the streams, the application's windows, the executions and the consumers.

        Example: fanout local up --start-app --env-file .fanout-local.env
        """
        require_offline_runtime()
        from fanout.cli.live import live_page
        from fanout.live import LiveFeed
        from fanout.localcloud.flink import TransitionDelays
        from fanout.localcloud.runtime import LocalRuntime
        from fanout.localcloud.session import LocalSession, start_application

        feed = LiveFeed() if page or open_page else None
        delays = TransitionDelays(
            start=transition_seconds, stop=transition_seconds, update=transition_seconds / 2, delete=transition_seconds
        )
        runtime = LocalRuntime(
            stack_name=stack,
            delays=delays,
            port=port,
            environment_overrides={"POWERTOOLS_LOG_LEVEL": "INFO" if verbose else "WARNING"},
            on_delivered=feed.on_delivered if feed is not None else None,
            on_job_event=lambda application, message: err_console.print(
                f"[yellow]flink[/] {application}: {message}", highlight=False
            ),
        )
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            with runtime as rt, live_page(open_page, page_port if feed is not None else None, feed) as served:
                if served is not None:
                    served.feed.attach(rt)
                session = LocalSession.of(rt, served.url if served is not None else "")
                if env_file is not None:
                    env_file.write_text(session.export_lines())
                if as_json:
                    typer.echo(json.dumps(session.as_dict(), indent=2))
                else:
                    _render(session)
                if start_app:
                    outcome = start_application(rt, timeout=60)
                    _report_start(outcome, as_json)
                while not stop.wait(0.5):
                    pass
                if served is not None:
                    served.feed.detach()
                if not as_json:
                    console.print("stopping the local cloud…")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if env_file is not None and env_file.exists():
                env_file.unlink()

    app.add_typer(local, name="local")
