"""The `fanout` command line."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from fanout.exceptions import FanoutError

app = typer.Typer(
    name="fanout",
    help="Fan one Kinesis stream out into filtered streams with SQL on Managed Flink; run it all offline too.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    """kinesis-fanout: SQL fan-out of a Kinesis stream, its lifecycle, and an offline runtime.

    Add --debug anywhere to see a traceback instead of a one-line error.
    """
    if version:
        from fanout import __version__

        typer.echo(__version__)
        raise typer.Exit()


def _register() -> None:
    from fanout.cli import application, artifact, bench, cost, demo, discover, local, put, run, sql, tail

    for module in (demo, local, put, application, run, tail, cost, sql, discover, artifact, bench):
        module.register(app)


def main() -> None:
    """Entry point: named errors become one line and exit code 2; `--debug` shows the traceback."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    _register()
    try:
        app()
    except FanoutError as exc:
        if debug:
            raise
        err.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}")
        sys.exit(2)
