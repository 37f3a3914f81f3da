"""`fanout put`: the producer. Fake transactions or NDJSON records, batched, paced, retried, accounted for."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption, StackOption
from fanout.producer import (
    Limits,
    NdjsonLines,
    ProduceResult,
    ProduceSettings,
    PutReport,
    RetryPolicy,
    default_path,
    fake_transactions,
    produce,
    write_undelivered,
)
from fanout.producer.batching import MiB
from fanout.producer.exceptions import DeliveryIncompleteError
from fanout.streams.names import resolve_stream_name

console = Console()
err = Console(stderr=True)

DEFAULT_FAKE_COUNT = 100
EXIT_INTERRUPTED = 130
FromFileOption = typer.Option(
    None,
    "--from-file",
    "-f",
    metavar="FILE",
    help="NDJSON file, one record per line (its bytes as they are); - for stdin.",
)
FailedFileOption = typer.Option(
    None,
    help="Where to write undelivered records (default: ./fanout-undelivered-<UTC time>.ndjson).",
    metavar="PATH",
)
_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "kib": 1024, "mib": MiB}


def parse_bytes(value: str) -> int:
    """``5MiB``, ``1048576``, ``500KB`` → bytes; a typer.BadParameter otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*([kKmM]i?[bB]|[bB])?\s*", value)
    if not match:
        raise typer.BadParameter(f"{value!r} is not a size (examples: 1048576, 1MiB, 500KB)")
    return int(match.group(1)) * _UNITS[(match.group(2) or "").lower()]


def _records(
    from_file: Any, count: int | None, seed: int | None, malformed_ratio: float
) -> tuple[Iterable[tuple[int, bytes]], NdjsonLines | None]:
    """The numbered records to put, and the NDJSON reader (it counts the blank lines) when from a file."""
    if from_file is None:
        fakes = DEFAULT_FAKE_COUNT if count is None else count
        return enumerate(fake_transactions(fakes, seed=seed, malformed_ratio=malformed_ratio)), None
    if malformed_ratio:
        raise typer.BadParameter("only fake records can be made malformed", param_hint="--malformed-ratio")
    if getattr(from_file, "isatty", lambda: False)():
        err.print("reading NDJSON records from the terminal: end with Ctrl-D", highlight=False)
    reader = NdjsonLines(from_file)
    return (itertools.islice(reader, count) if count is not None else reader), reader


def _summary(result: ProduceResult, files: tuple[Path, Path] | None) -> None:
    data = result.to_dict(files)
    records = data["records"]
    console.print(
        f"[bold]{result.stream}[/]: sent [green]{records['sent']}[/] · retried {records['retried']} · "
        f"failed [{'red' if records['failed'] else 'green'}]{records['failed']}[/] · "
        f"rejected [{'red' if records['rejected'] else 'green'}]{records['rejected']}[/] · "
        f"{data['calls']} requests · {data['seconds']} s · {data['records_per_second']} records/s "
        f"({data['mib_per_second']} MiB/s)",
        highlight=False,
    )
    if records["blank_lines_skipped"]:
        console.print(f"  skipped {records['blank_lines_skipped']} blank lines (no records)", highlight=False)
    for row in data["undelivered"]:
        console.print(f"  [red]✘[/] record {row['record']} ({row['bytes']} bytes): {row['reason']}", highlight=False)
    hidden = records["failed"] + records["rejected"] - len(data["undelivered"])
    if hidden > 0:
        console.print(f"  … and {hidden} more (see the reasons file)", highlight=False)


def _run_with_progress(
    aws: Aws,
    stream: str,
    records: Iterable[tuple[int, bytes]],
    settings: ProduceSettings,
    total: int | None,
    quiet: bool,
) -> ProduceResult:
    kinesis = aws.client("kinesis")
    if quiet:
        return produce(kinesis, stream, records, settings)
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("retried {task.fields[retried]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task(f"put → {stream}", total=total, retried=0)

        def update(report: PutReport) -> None:
            done = report.sent + len(report.failed) + len(report.rejected)
            progress.update(task, completed=done, retried=report.retried)

        result = produce(kinesis, stream, records, settings, on_progress=update)
        update(result.report)
    return result


def register(app: typer.Typer) -> None:
    """Add the command to the CLI."""

    @app.command()
    def put(
        count: int | None = typer.Option(
            None,
            "--count",
            "-n",
            min=0,
            help=f"Records to put (default: {DEFAULT_FAKE_COUNT} fake ones, or the whole file).",
        ),
        from_file: typer.FileBinaryRead | None = FromFileOption,
        rate: float | None = typer.Option(
            None, min=0.001, help="Records per second to aim for (default: as fast as possible)."
        ),
        partition_key: str | None = typer.Option(
            None,
            "--partition-key",
            "-k",
            help="JSON field whose value is the partition key, keeping each value's records in order "
            "(default: a random key per record).",
        ),
        stream: str | None = typer.Option(
            None,
            help="Stream name, ARN or route alias: transactions, positive, ... (default: the stack's input stream).",
        ),
        malformed_ratio: float = typer.Option(0.0, min=0.0, max=1.0, help="Share of fake records made malformed."),
        seed: int | None = typer.Option(None, help="Seed for reproducible fake records."),
        max_records: int = typer.Option(
            500, "--max-records-per-request", min=1, help="PutRecords records per request."
        ),
        max_request: str = typer.Option("5MiB", "--max-request-bytes", help="PutRecords bytes per request."),
        max_record: str = typer.Option("1MiB", "--max-record-bytes", help="Bytes per record (data + key)."),
        max_attempts: int = typer.Option(8, min=1, help="Attempts per record before it is given up."),
        failed_file: Path | None = FailedFileOption,
        as_json: bool = typer.Option(False, "--json", help="Print only the summary, as JSON."),
        stack: str | None = StackOption,
        region: str | None = RegionOption,
        profile: str | None = ProfileOption,
        endpoint_url: str | None = EndpointOption,
    ) -> None:
        """Put records to a stream with PutRecords: fake transactions, a file or stdin.

        Fake transactions (id, username, amount) by default, or NDJSON records,
        one per line, sent as they are. Requests stay within the PutRecords
        limits (records and bytes per request, bytes per record: all settable).

        Only the failed entries of a partial failure are retried, with
        exponential backoff and jitter; a record is never sent while an earlier
        one with its partition key awaits a retry.

        Records that cannot be delivered (too large, still failing after every
        attempt) go to an NDJSON file you can replay with --from-file, their
        reasons next to it, and the command fails with DeliveryIncompleteError.

        Example: fanout put --count 10000 --rate 2000 --partition-key username

        Example: fanout put --from-file fanout-undelivered-<time>.ndjson

        Example: cat records.ndjson | fanout put --from-file - --stream positive --json
        """
        limits = Limits(max_records, parse_bytes(max_request), parse_bytes(max_record))
        records, reader = _records(from_file, count, seed, malformed_ratio)
        aws = Aws(stack, region, profile, endpoint_url)
        name = resolve_stream_name(
            stream or "transactions",
            lambda key: aws.resources({key: None}).get(key, "--stream"),
        )
        settings = ProduceSettings(partition_key, rate, limits, RetryPolicy(max_attempts=max_attempts))
        total = count if count is not None else (DEFAULT_FAKE_COUNT if from_file is None else None)
        result = _run_with_progress(aws, name, records, settings, total, quiet=as_json)
        result.blank_lines = reader.blank if reader is not None else 0
        report = result.report
        files = None
        if report.undelivered:
            files = write_undelivered(report.undelivered, failed_file or default_path())
        if as_json:
            typer.echo(json.dumps(result.to_dict(files), indent=2))
        else:
            _summary(result, files)
        if report.abort_error is not None:
            err.print(f"the put stopped after reading {report.read} records; later input was not read", highlight=False)
            if files:
                err.print(f"undelivered records are in {files[0]}", highlight=False)
            raise report.abort_error
        if report.interrupted:
            err.print(f"interrupted after reading {report.read} records; later input was not read", highlight=False)
            if files:
                err.print(f"undelivered records are in {files[0]}", highlight=False)
            raise typer.Exit(EXIT_INTERRUPTED)
        if files:
            raise DeliveryIncompleteError(
                f"{len(report.undelivered)} of {report.read} records not delivered: they are in {files[0]} "
                f"(reasons in {files[1]}); replay with `fanout put --from-file {files[0]}`"
            )
