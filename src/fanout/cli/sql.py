"""`fanout sql`: check the routes, run them over sample records, migrate Kinesis Data Analytics SQL."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fanout import env
from fanout.cli.errors import ExitCode
from fanout.exceptions import ConfigurationError, UnsupportedRuntimeError

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
sql_app = typer.Typer(help="Check, run and migrate the fan-out's Flink SQL routes.", no_args_is_help=True)

DEFAULT_SQL = Path("sql/fanout.sql")
_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _text(path: Path) -> str:
    try:
        return _read(path).decode()
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path} is not UTF-8 text: {exc}") from exc


RuntimeOption = Annotated[
    str | None,
    typer.Option(
        "--runtime",
        help=f"The Flink to emulate: FLINK-1_20 or FLINK-2_2 [default: env {env.FANOUT_FLINK_RUNTIME}, else the "
        "template's FlinkRuntime default].",
    ),
]


def _runtime(flag: str | None, template: dict[str, Any] | None) -> str:
    """The runtime to emulate (flag > env > template > default); a bad one is a usage error."""
    from fanout.runtimes import resolve_runtime

    try:
        return resolve_runtime(flag, os.environ, template)
    except UnsupportedRuntimeError as exc:
        raise typer.BadParameter(str(exc), param_hint="--runtime") from exc


def _template_or_none(path: Path) -> dict[str, Any] | None:
    """``path`` loaded, or None when it is missing or not a template (only its FlinkRuntime default is read)."""
    from fanout.sam.template import load_template

    try:
        loaded = load_template(path) if path.is_file() else None
    except Exception:  # a malformed template: `sql check` reports it; here the runtime falls back to the default
        return None
    return loaded if isinstance(loaded, dict) else None


def _payload_json(payload: bytes) -> dict[str, Any]:
    try:
        text: str | None = payload.decode()
    except UnicodeDecodeError:
        text = None
    return {"payload": text, "payload_base64": base64.b64encode(payload).decode()}


@sql_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The Flink SQL script.")] = DEFAULT_SQL,
    template: Annotated[
        Path | None,
        typer.Option("--template", "-t", help="SAM template to match the sinks against [default: ./template.yaml]."),
    ] = None,
    no_template: Annotated[bool, typer.Option("--no-template", help="Skip the checks against the template.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 16 on warnings too.")] = False,
    runtime: RuntimeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a route script: syntax, supported subset, sinks against the template, records no route takes.

    Exit codes: 0 no errors (warnings allowed unless --strict), 16 errors (or warnings with --strict).
    Coverage is tested by running the routes over probe records (NULL, missing, malformed JSON, -0.0, ...).
    Flink reserved words (value, timestamp, user, out, ...) as unquoted names are errors: quote them in backticks.

    Example: fanout sql check sql/fanout.sql --template template.yaml --strict
    """
    from fanout.routes.check import check_sql
    from fanout.sam.template import load_template

    sql = _text(file)
    if template is None and not no_template and Path("template.yaml").is_file():
        template = Path("template.yaml")
    loaded = None
    if template is not None and not no_template:
        try:
            loaded = load_template(template)
        except OSError as exc:
            raise ConfigurationError(f"cannot read template {template}: {exc.strerror or exc}") from exc
        except Exception as exc:  # the YAML loader raises several types for a malformed template
            detail = " ".join(str(exc).split())  # YAML errors span lines; the CLI shows one
            raise ConfigurationError(f"cannot parse template {template}: {detail}") from exc
        if not isinstance(loaded, dict):
            raise ConfigurationError(f"template {template} is not a YAML or JSON mapping (a SAM template)")
    report = check_sql(sql, loaded, _runtime(runtime, loaded))
    if as_json:
        typer.echo(json.dumps({"file": str(file), "template": str(template) if loaded else None, **report.to_dict()}))
    else:
        for finding in report.findings:
            where = f"{file}:{finding.line}:{finding.column}" if finding.line else str(file)
            style = _LEVEL_STYLE[finding.level]
            level = f"[{style}]{finding.level}[/] [dim]{finding.code}[/]"
            console.print(f"{escape(where)}: {level} {escape(finding.message)}")
        checked = f"sinks checked against {template}" if loaded else "no template: stream checks skipped"
        console.print(
            f"{file}: {len(report.routes)} routes ({', '.join(report.routes) or '-'}), {report.probes} probe records, "
            f"{checked}, as {report.runtime} · [bold]{len(report.errors)} errors, {len(report.warnings)} warnings[/]"
        )
    if not report.passed(strict):
        raise typer.Exit(ExitCode.FINDINGS)


@sql_app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="The Flink SQL script.")],
    input_file: Annotated[Path, typer.Option("--input", "-i", help="Records, one per line (exact bytes).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write DIR/<table>.ndjson per sink.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the counts, not every payload.")] = False,
    allow_unrouted: Annotated[
        bool, typer.Option("--allow-unrouted", help="Exit 0 even if some record matches no route.")
    ] = False,
    runtime: RuntimeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the payloads and counts as JSON.")] = False,
) -> None:
    """Run the routes over sample records with the local route executor: the bytes consumers would receive.

    Each payload is printed with its input line and route. A record that no route takes is listed as
    unrouted and makes the exit code 16 (unless --allow-unrouted): on Flink it would be silently dropped.
    What Flink would refuse to start but the executor runs (a reserved word as a name, a malformed
    placeholder) is a warning on stderr, and under "flink_would_reject" with --json.

    Example: fanout sql run sql/fanout.sql --input records.ndjson --out build/routes
    """
    from fanout.routes.check import flink_parse_errors
    from fanout.routes.executor import RouteExecutor
    from fanout.routes.sample_run import run_records, split_records, write_outputs

    sql = _text(file)
    template = Path("template.yaml")
    executor = RouteExecutor.from_sql(sql, runtime=_runtime(runtime, _template_or_none(template)))
    blockers = flink_parse_errors(sql)
    for finding in blockers:  # the executor runs these; Flink would not start the job
        where = f"{file}:{finding.line}:{finding.column}: " if finding.line else f"{file}: "
        err.print(f"[yellow]warning:[/] {escape(where + finding.message)} (see `fanout sql check`)", highlight=False)
    records = split_records(_read(input_file))
    result = run_records(executor, records)
    written = write_outputs(result, out) if out is not None else {}
    if as_json:
        document = {
            "records": result.records,
            "counts": result.counts(),
            "unrouted": [{"line": i + 1, **_payload_json(records[i])} for i in result.unrouted],
            "duplicated": [i + 1 for i in result.duplicated()],
            "routes": {
                sink: [{"line": i + 1, **_payload_json(payload)} for i, payload in rows]
                for sink, rows in result.routed.items()
            },
            "files": {sink: str(path) for sink, path in written.items()},
            "flink_would_reject": [asdict(finding) for finding in blockers],
        }
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        _print_run(result, records, quiet, written)
    if result.unrouted and not allow_unrouted:
        raise typer.Exit(ExitCode.FINDINGS)


def _print_run(result: Any, records: list[bytes], quiet: bool, written: dict[str, Path]) -> None:
    if not quiet:
        lines = sorted((i, sink, payload) for sink, rows in result.routed.items() for i, payload in rows)
        for i, sink, payload in lines:
            console.print(f"[dim]{i + 1:>6}[/] [cyan]{sink}[/] {escape(payload.decode('utf-8', 'replace'))}")
        for i in result.unrouted:
            console.print(f"[dim]{i + 1:>6}[/] [bold red]unrouted[/] {escape(records[i].decode('utf-8', 'replace'))}")
    table = Table(title=f"{result.records} records")
    table.add_column("route")
    table.add_column("payloads", justify="right")
    if written:
        table.add_column("file")
    for sink, count in result.counts().items():
        table.add_row(sink, str(count), *([str(written[sink])] if written else []))
    table.add_row("[bold red]unrouted[/]" if result.unrouted else "unrouted", str(len(result.unrouted)))
    console.print(table)
    duplicated = result.duplicated()
    if duplicated:
        shown = ", ".join(str(i + 1) for i in duplicated[:20])
        console.print(f"[yellow]{len(duplicated)} records went to several routes[/] (lines {shown})")


@sql_app.command("migrate")
def migrate(
    legacy: Annotated[Path, typer.Argument(help="Kinesis Data Analytics for SQL application code.")],
    schema: Annotated[
        Path | None, typer.Option("--schema", help="Input schema JSON [default: input-schema.json next to LEGACY].")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the Flink SQL here, not to stdout.")] = None,
    sink_property: Annotated[
        list[str] | None,
        typer.Option("--sink-property", "-p", help="STREAM=property: the runtime property of its ARN (repeatable)."),
    ] = None,
    rejected_table: Annotated[
        str, typer.Option("--rejected-table", help="Sink table for records the routes cannot take.")
    ] = "rejected_records",
) -> None:
    """Translate Kinesis Data Analytics SQL (streams, pumps, input schema) into Flink SQL for fanout.

    Untranslatable constructs (windows, ROWTIME, STEP, joins, GROUP BY, ...) fail with their name and line.

    Example: fanout sql migrate legacy.sql --schema input-schema.json -p POSITIVE=positive.stream.arn -o sql/fanout.sql
    """
    from fanout.migrate import InputSchemaError, MigrationOptions, load_input_schema, migrate_sql

    legacy_sql = _text(legacy)  # a missing LEGACY file is the first thing to say
    schema_path = schema or legacy.with_name("input-schema.json")
    if not schema_path.is_file():
        raise InputSchemaError(
            f"no input schema at {schema_path}: pass --schema (the application's InputSchema JSON, as "
            "`aws kinesisanalytics describe-application` shows it under InputDescriptions)"
        )
    mapping: dict[str, str] = {}
    for item in sink_property or []:
        stream, sep, prop = item.partition("=")
        if not sep or not stream or not prop:
            raise ConfigurationError(f"--sink-property {item!r}: expected STREAM=property.name")
        mapping[stream] = prop
    command = ["fanout sql migrate", legacy.name, "--schema", schema_path.name]
    command += [f"-p {stream}={prop}" for stream, prop in mapping.items()]
    if rejected_table != "rejected_records":
        command += ["--rejected-table", rejected_table]
    options = MigrationOptions(sink_properties=mapping, rejected_table=rejected_table, command=" ".join(command))
    flink_sql = migrate_sql(legacy_sql, load_input_schema(_text(schema_path), str(schema_path)), options)
    if out is None:
        typer.echo(flink_sql, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(flink_sql)
        console.print(f"wrote {out}", style="green")


def register(app: typer.Typer) -> None:
    """Add `fanout sql check|run|migrate` to the CLI."""
    app.add_typer(sql_app, name="sql")
