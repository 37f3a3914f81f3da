"""`fanout cost`: the monthly cost of the configured schedule against always-on (domain: `fanout.cost`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption
from fanout.cost import CostEstimate, Prices, inputs_from_template, monthly_estimate
from fanout.cost.statemachine import TYPICAL_START_SECONDS, TYPICAL_STOP_SECONDS
from fanout.stack import stack_parameters

console = Console()
_DEFAULT = Prices()
TemplateOption = typer.Option("template.yaml", "--template", help="Template whose parameter defaults to price.")


def _money(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:,.4f}"


def _render(estimate: CostEstimate) -> None:
    scheduled, always = estimate.scheduled, estimate.always_on
    console.print(
        f"schedule: {estimate.windows_per_month:.2f} windows/month x {estimate.window_hours:g} h = "
        f"{scheduled.flink_hours:,.1f} h of {always.flink_hours:,.0f} h · {estimate.kpus} KPUs incl. orchestration · "
        f"{estimate.transitions_per_window} state transitions per run window",
        highlight=False,
    )
    table = Table(title="monthly cost (USD)", title_justify="left")
    table.add_column("item")
    table.add_column("scheduled", justify="right")
    table.add_column("always on", justify="right")
    table.add_column("how", overflow="fold")
    always_by_item = {line.item: line for line in always.lines}
    for line in scheduled.lines:
        other = always_by_item.get(line.item)
        table.add_row(
            line.item,
            _money(line.monthly),
            _money(other.monthly) if other else _money(0),
            f"{line.quantity:,.3f} {line.unit} x ${line.unit_price:g}; {line.note}",
        )
    table.add_row("[bold]total[/]", f"[bold]{_money(scheduled.total)}[/]", f"[bold]{_money(always.total)}[/]", "")
    console.print(table)
    console.print(
        f"the schedule saves [bold green]{_money(estimate.savings)}[/] a month "
        f"({estimate.savings / always.total:.0%} of always-on)"
        if always.total
        else ""
    )
    prices = Table(title="prices (us-east-1 defaults; override with flags)", title_justify="left")
    prices.add_column("price")
    prices.add_column("value", justify="right")
    prices.add_column("source", overflow="fold")
    for name, info in estimate.prices.items():
        prices.add_row(name, f"{info['value']:g}", str(info["source"]))
    console.print(prices)
    console.print(f"[dim]not counted: {estimate.assumptions.get('notCounted', '')}[/]")


def register(app: typer.Typer) -> None:
    """Add `fanout cost` to the CLI."""
    app.command("cost")(cost)


def cost(
    template: Path = TemplateOption,
    hours_per_day: float | None = typer.Option(None, min=0.01, max=24, help="Window length \\[default: RunDuration]."),
    days_per_month: float | None = typer.Option(
        None, min=0, max=31, help="Windows per month \\[default: counted from RunScheduleExpression]."
    ),
    parallelism: int | None = typer.Option(None, min=1, help="Flink parallelism \\[default: Parallelism]."),
    parallelism_per_kpu: int | None = typer.Option(None, min=1, max=8, help="\\[default: ParallelismPerKPU]."),
    input_shards: int | None = typer.Option(None, min=1, help="\\[default: InputShardCount]."),
    output_shards: int | None = typer.Option(None, min=1, help="Shards of each output \\[default: OutputShardCount]."),
    input_retention_hours: int | None = typer.Option(None, min=24, max=8760, help="\\[default: InputRetentionHours]."),
    output_retention_hours: int | None = typer.Option(
        None, min=24, max=8760, help="\\[default: OutputRetentionHours]."
    ),
    poll_seconds: int | None = typer.Option(
        None, min=1, help="Lifecycle poll interval \\[default: PollIntervalSeconds]."
    ),
    snapshots_kept: int | None = typer.Option(None, min=0, help="\\[default: SnapshotsToKeep]."),
    snapshot_gb: float = typer.Option(0.01, min=0, help="Size of one snapshot (a stateless job's is tiny)."),
    start_seconds: float = typer.Option(TYPICAL_START_SECONDS, min=0, help="How long a start takes (AWS: 2-3 min)."),
    stop_seconds: float = typer.Option(TYPICAL_STOP_SECONDS, min=0, help="How long a stop takes."),
    kpu_hour: float = typer.Option(_DEFAULT.kpu_hour, min=0, help="USD per KPU-hour."),
    minimum_run_seconds: int = typer.Option(_DEFAULT.minimum_run_seconds, min=0, help="Billed minimum per run."),
    running_storage_gb_month: float = typer.Option(_DEFAULT.running_storage_gb_month, min=0, help="USD per GB-month."),
    snapshot_gb_month: float = typer.Option(_DEFAULT.snapshot_gb_month, min=0, help="USD per GB-month of snapshots."),
    shard_hour: float = typer.Option(_DEFAULT.shard_hour, min=0, help="USD per provisioned shard-hour."),
    extended_retention_shard_hour: float = typer.Option(
        _DEFAULT.extended_retention_shard_hour, min=0, help="USD per shard-hour of retention beyond 24 h."
    ),
    transitions_per_1000: float = typer.Option(
        _DEFAULT.transitions_per_1000, min=0, help="USD per 1,000 Step Functions transitions."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the estimate as JSON."),
    stack: str | None = typer.Option(
        None, "--stack", "-s", help="Price the parameters a deployed stack has, not the template's defaults."
    ),
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """The monthly cost of the configured schedule against the same deployment always on.

    Reads the template's parameter defaults (schedule, window, parallelism, shards, retention, poll
    interval), or with --stack the values that stack was deployed with, and counts the state
    transitions of a run window by walking the lifecycle ASL. A flag overrides either. Every price
    is a flag whose default is the us-east-1 list price, printed with its source.

    Example: fanout cost --hours-per-day 12 --days-per-month 30 --json
    Example: fanout cost --stack kinesis-fanout-prod
    """
    deployed: dict[str, object] = {}
    if stack:
        deployed.update(stack_parameters(Aws(stack, region, profile, endpoint_url).client("cloudformation"), stack))
    flags = {
        "Parallelism": parallelism,
        "ParallelismPerKPU": parallelism_per_kpu,
        "InputShardCount": input_shards,
        "OutputShardCount": output_shards,
        "InputRetentionHours": input_retention_hours,
        "OutputRetentionHours": output_retention_hours,
        "PollIntervalSeconds": poll_seconds,
        "SnapshotsToKeep": snapshots_kept,
    }
    overrides = {**deployed, **{key: value for key, value in flags.items() if value is not None}}
    prices = Prices(
        kpu_hour=kpu_hour,
        minimum_run_seconds=minimum_run_seconds,
        running_storage_gb_month=running_storage_gb_month,
        snapshot_gb_month=snapshot_gb_month,
        shard_hour=shard_hour,
        extended_retention_shard_hour=extended_retention_shard_hour,
        transitions_per_1000=transitions_per_1000,
    )
    estimate = monthly_estimate(
        inputs_from_template(template, overrides),
        prices,
        days_per_month=days_per_month,
        hours_per_day=hours_per_day,
        snapshot_gb=snapshot_gb,
        start_seconds=start_seconds,
        stop_seconds=stop_seconds,
    )
    if as_json:
        typer.echo(json.dumps(estimate.as_dict(), indent=2, default=str))
    else:
        _render(estimate)
