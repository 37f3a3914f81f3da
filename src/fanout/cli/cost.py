"""`fanout cost`: the monthly cost of the configured schedule against always-on (domain: `fanout.cost`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption
from fanout.cost import CostEstimate, CostInputs, Prices, inputs_from_template, monthly_estimate
from fanout.cost.exceptions import CostInputError
from fanout.cost.router import ROUTER_SOURCES, RouterLoad, RouterPrices, crossover_rate, router_month
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


def _input_shards(inputs: CostInputs) -> int:
    """The input stream's shards (the template's TransactionsStream; the first stream otherwise)."""
    streams = {stream.name: stream.shards for stream in inputs.streams}
    return streams.get("TransactionsStream") or next(iter(streams.values()), 1)


def _engines(estimate: CostEstimate, load: RouterLoad, prices: RouterPrices, record_bytes: int) -> dict[str, object]:
    """The router's month at the rate, and the rates where each Flink variant becomes the cheaper engine."""
    streams = [line for line in estimate.always_on.lines if line.item.startswith("Kinesis")]
    router = router_month(load, streams, prices)
    shards_needed = max(load.rate / 1000, load.rate * record_bytes / 1_048_576)
    return {
        "rate": load.rate,
        "recordBytes": record_bytes,
        "router": {**router.model_dump(), "total": round(router.total, 2)},
        "routerSettings": load.model_dump(),
        "crossover": {
            "scheduledFlink": crossover_rate(estimate.scheduled.total, load, streams, prices),
            "alwaysOnFlink": crossover_rate(estimate.always_on.total, load, streams, prices),
        },
        "inputShardsNeeded": shards_needed,
        "prices": {k: {"value": getattr(prices, k), "source": ROUTER_SOURCES[k]} for k in ROUTER_SOURCES},
        "notCounted": "Kinesis PUT payload units and data transfer (the same with either engine); SQS (dead letters)",
    }


def _render_engines(estimate: CostEstimate, engines: dict[str, object], engine: str) -> None:
    router = engines["router"]
    crossover = engines["crossover"]
    assert isinstance(router, dict) and isinstance(crossover, dict)
    table = Table(title=f"the Lambda engine at {engines['rate']:,g} records/s (USD a month)", title_justify="left")
    table.add_column("item")
    table.add_column("router", justify="right")
    table.add_column("how", overflow="fold")
    for line in router["lines"]:
        table.add_row(line["item"], _money(line["monthly"]), f"{line['quantity']:,.3f} {line['unit']}; {line['note']}")
    table.add_row("[bold]total[/]", f"[bold]{_money(router['total'])}[/]", "")
    console.print(table)
    console.print(
        f"Flink scheduled {_money(estimate.scheduled.total)} · Flink always on {_money(estimate.always_on.total)} · "
        f"router {_money(router['total'])} ([bold]{engine}[/] selected)",
        highlight=False,
    )
    for name, label in (("scheduledFlink", "scheduled Flink"), ("alwaysOnFlink", "always-on Flink")):
        rate = crossover[name]
        if rate is None:
            console.print(f"{label} is cheaper than the router at any rate")
        else:
            console.print(f"the router is cheaper than {label} below [bold]{rate:,.0f}[/] records/s", highlight=False)
    needed, settings = engines["inputShardsNeeded"], engines["routerSettings"]
    assert isinstance(needed, float) and isinstance(settings, dict)
    if needed > settings["input_shards"]:
        console.print(
            f"[yellow]note[/]: {engines['rate']:,g} records/s need {needed:.1f} input shards or more "
            f"(1,000 records/s and 1 MiB/s each); the template has {settings['input_shards']}"
        )


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
    engine: str = typer.Option("flink", help="The engine to price: flink (the default) or lambda (the router)."),
    rate: float | None = typer.Option(
        None, min=0, max=1_000_000, help="Records per second (month average): prices the router and the crossover."
    ),
    record_bytes: int = typer.Option(100, min=1, max=1_048_576, help="Average record size."),
    router_memory: int = typer.Option(256, min=128, max=10_240, help="Router memory in MB \\[RouterMemorySize]."),
    router_batch_size: int = typer.Option(500, min=1, max=10_000, help="\\[RouterBatchSize]."),
    router_window: float = typer.Option(1.0, min=0, max=300, help="\\[RouterBatchingWindowSeconds]."),
    cpu_ms_per_1000: float = typer.Option(
        RouterLoad.model_fields["cpu_ms_per_1000"].default,
        min=0.001,
        help="Router CPU per 1,000 records of 100 bytes (fanout bench measures it).",
    ),
    gb_second: float = typer.Option(RouterPrices().gb_second, min=0, help="USD per Lambda GB-second."),
    lambda_requests_per_million: float = typer.Option(
        RouterPrices().requests_per_million, min=0, help="USD per million Lambda requests."
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

    With --rate, also prices the Lambda engine (the router) for that many records a second, all month,
    and prints the rates below which the router is the cheaper engine.

    Example: fanout cost --hours-per-day 12 --days-per-month 30 --json
    Example: fanout cost --stack kinesis-fanout-prod
    Example: fanout cost --engine lambda --rate 1000 --record-bytes 200
    """
    if engine not in ("flink", "lambda"):
        raise CostInputError(f"--engine must be flink or lambda, got {engine!r}")
    if engine == "lambda" and rate is None:
        raise CostInputError("--engine lambda needs --rate: the router's cost depends on the records it routes")
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
    engines = None
    if rate is not None:
        load = RouterLoad(
            rate=rate,
            input_shards=_input_shards(inputs_from_template(template, overrides)),
            batch_size=router_batch_size,
            batching_window_seconds=router_window,
            memory_mb=router_memory,
            cpu_ms_per_1000=cpu_ms_per_1000 * max(1.0, record_bytes / 100),
        )
        engines = _engines(
            estimate,
            load,
            RouterPrices(gb_second=gb_second, requests_per_million=lambda_requests_per_million),
            record_bytes,
        )
    if as_json:
        typer.echo(json.dumps({**estimate.as_dict(), "engine": engine, "engines": engines}, indent=2, default=str))
        return
    if engine == "flink":
        _render(estimate)
    if engines is not None:
        _render_engines(estimate, engines, engine)
