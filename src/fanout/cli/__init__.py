"""The `fanout` command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.console import Console
from rich.markup import escape

from fanout.cli.errors import classify, epilog

app = typer.Typer(
    name="fanout",
    help="Fan one Kinesis stream out into filtered streams with SQL on Managed Flink; run it all offline too.",
    epilog=epilog(),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)
_registered = False


def _print_version(value: bool) -> None:
    if value:
        from fanout import __version__

        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    """kinesis-fanout: SQL fan-out of a Kinesis stream, its lifecycle, and an offline runtime.

    Add --debug anywhere to see a traceback instead of a one-line error.
    """


def _register() -> None:
    """Add every command module to `app` (once)."""
    global _registered
    if _registered:
        return
    from fanout.cli import application, artifact, bench, cost, demo, discover, local, put, run, sql, tail

    for module in (demo, local, put, application, run, tail, cost, sql, discover, artifact, bench):
        module.register(app)
    _registered = True


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: any error becomes one line, a hint and its exit code (see `fanout --help`); `--debug` raises.

    Example: ``main(["app", "status", "--json"])``
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    _register()
    try:
        app(args=args, prog_name="fanout")
    except (Exception, KeyboardInterrupt) as exc:
        if debug:
            raise
        failure = classify(exc)
        err.print(
            f"[bold red]error:[/] {escape(failure.name)}: {escape(failure.message)}", highlight=False, soft_wrap=True
        )
        if failure.hint:
            err.print(f"[dim]hint:[/] {escape(failure.hint)}", highlight=False, soft_wrap=True)
        sys.exit(int(failure.code))
