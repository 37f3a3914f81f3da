"""`fanout tail`: print a stream's records as they arrive, as JSON lines or a table."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from enum import StrEnum

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption, StackOption
from fanout.streams import ALIASES, StartPosition, TailRecord, resolve_stream_name, tail

console = Console()
err = Console(stderr=True)
FormatOption = typer.Option("jsonl", "--format", help="jsonl: one JSON object per record; table: rows.")
_MARKER = {"json": "", "text": "[yellow]text:[/] ", "base64": "[magenta]base64:[/] "}


class Format(StrEnum):
    """Output formats of `fanout tail`."""

    JSONL = "jsonl"
    TABLE = "table"


def _row_table(header: bool) -> Table:
    """A one-row table with fixed columns, so rows printed one by one line up under one header."""
    table = Table(box=box.SIMPLE_HEAD, show_header=header, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("time (UTC)", width=12, no_wrap=True)
    table.add_column("shard", width=6, no_wrap=True)
    table.add_column("partition key", width=16, no_wrap=True, overflow="ellipsis")
    table.add_column("sequence", width=10, no_wrap=True, overflow="ellipsis")
    table.add_column("data", overflow="fold")
    return table


def _print_row(record: TailRecord, header: bool) -> None:
    kind, value = record.payload()
    table = _row_table(header)
    table.add_row(
        record.arrival.strftime("%H:%M:%S.%f")[:12],
        record.shard_id.rsplit("-", 1)[-1].lstrip("0") or "0",
        record.partition_key,
        "…" + record.sequence_number[-9:] if len(record.sequence_number) > 10 else record.sequence_number,
        _MARKER[kind] + escape(value),
    )
    console.print(table)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit cannot raise again."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def register(app: typer.Typer) -> None:
    """Add the command to the CLI."""

    @app.command("tail")
    def tail_command(
        stream: str = typer.Argument(
            ...,
            metavar="STREAM",
            help=f"Stream name or ARN, or a route alias from the stack's Outputs: {', '.join(ALIASES)}.",
        ),
        start: str = typer.Option(
            "latest",
            "--from",
            help="trim-horizon, latest, an ISO timestamp (UTC if no offset) or a duration ago (90s, 15m, 2h).",
        ),
        output: Format = FormatOption,
        limit: int | None = typer.Option(None, min=1, help="Stop after this many records."),
        timeout: float | None = typer.Option(None, min=0.0, help="Stop after this many seconds without a record."),
        stack: str | None = StackOption,
        region: str | None = RegionOption,
        profile: str | None = ProfileOption,
        endpoint_url: str | None = EndpointOption,
    ) -> None:
        """Print a stream's records as they arrive, from every shard.

        Runs until Ctrl-C, --limit records or --timeout idle seconds. Each JSON
        line holds shard, sequence, partition_key, arrival, and the record as
        `data` (JSON), `text` (UTF-8, not JSON) or `base64` (anything else).
        Each shard is read at most 5 times a second: the GetRecords limit that
        every consumer of a shard shares.

        Example: fanout tail positive --from trim-horizon --limit 20

        Example: fanout tail rejected --format table

        Example: fanout tail my-stream --from 15m --timeout 10 | jq -c .data
        """
        position = StartPosition.parse(start)
        aws = Aws(stack, region, profile, endpoint_url)
        name = resolve_stream_name(stream, lambda key: aws.resources({key: None}).get(key))
        table = output is Format.TABLE
        seen = 0
        err.print(f"tailing {name} from {start} (Ctrl-C to stop)", highlight=False)
        try:
            for record in tail(aws.client("kinesis"), name, position, limit=limit, idle_timeout=timeout):
                if table:
                    _print_row(record, header=seen == 0)
                else:
                    typer.echo(record.to_json_line())
                seen += 1
        except KeyboardInterrupt:
            pass
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
            _silence_stdout()
            return
        err.print(f"{seen} records from {name}", highlight=False)
