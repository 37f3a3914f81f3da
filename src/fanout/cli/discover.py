"""`fanout discover`: sample a stream and print Flink SQL columns for its records."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption, StackOption
from fanout.streams.names import resolve_stream_name

console = Console(highlight=False, soft_wrap=True)
STREAM_OUTPUT = "TransactionsStreamName"


def register(app: typer.Typer) -> None:
    """Add `fanout discover` to the CLI."""

    @app.command()
    def discover(
        stream: Annotated[
            str | None,
            typer.Option(
                "--stream",
                help=f"Stream name or ARN, or a route alias: transactions, positive, ... "
                f"\\[default: the stack's {STREAM_OUTPUT} output].",
            ),
        ] = None,
        samples: Annotated[int, typer.Option("--samples", "-n", min=1, max=10_000, help="Records to sample.")] = 100,
        table: Annotated[
            str, typer.Option("--table", help="Table name in the printed CREATE TABLE.")
        ] = "input_records",
        as_json: Annotated[bool, typer.Option("--json", help="Print the inferred columns as JSON.")] = False,
        stack: str | None = StackOption,
        region: str | None = RegionOption,
        profile: str | None = ProfileOption,
        endpoint_url: str | None = EndpointOption,
    ) -> None:
        """Infer Flink SQL columns from records sampled on every shard, from the oldest available.

        Prints the CREATE TABLE column list, a ready json-format source table, and JSON_VALUE lines for a
        raw-bytes source like sql/fanout.sql's. Conflicting types, non-JSON records and always-null fields
        are reported as warnings with their counts; an empty stream is an error.

        Example: fanout discover --stream kinesis-fanout-transactions --samples 500

        Example: fanout discover --stream rejected --stack kinesis-fanout --json
        """
        from fanout.discover import discover as discover_schema

        aws = Aws(stack, region, profile, endpoint_url)
        name = resolve_stream_name(
            stream or "transactions", lambda key: aws.resources({key: None}).get(key, "--stream")
        )
        sample, schema = discover_schema(aws.client("kinesis"), name, samples)
        if as_json:
            document = {"stream": name, "shards": sample.per_shard, **schema.to_dict()}
            document["column_list"] = schema.column_list()
            typer.echo(json.dumps(document))
            return
        console.print(
            f"[bold]{escape(name)}[/]: {schema.records} records from {sample.shards} shards "
            f"({schema.objects} JSON objects); types and precisions come from these samples only"
        )
        for warning in schema.warnings:
            console.print(f"[yellow]warning:[/] {escape(warning)}")
        console.print("\n[bold]Column list[/]")
        console.print(Syntax(schema.column_list(), "sql", theme="ansi_dark", background_color="default"))
        console.print("\n[bold]Source table (json format)[/]")
        console.print(Syntax(schema.create_table(table), "sql", theme="ansi_dark", background_color="default"))
        console.print("\n[bold]Projection over a raw BYTES payload (as in sql/fanout.sql)[/]")
        console.print(Syntax(schema.projections(), "sql", theme="ansi_dark", background_color="default"))
