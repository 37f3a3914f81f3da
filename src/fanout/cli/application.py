"""`fanout app status|create|start|stop|delete|toggle|upgrade|rollback`: the Flink application, by the lifecycle.

Every command calls the same domain functions as the state machine's Lambdas (`fanout.lifecycle`);
this module only resolves the resources, renders, and waits with a spinner when asked to (`--wait`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption, StackOption
from fanout.cost import Prices, accrued_cost, kpus
from fanout.exceptions import ConfigurationError, UnsupportedRuntimeError
from fanout.lifecycle import (
    Target,
    delete_application,
    ensure_application,
    find_application,
    start_application,
    stop_application,
)
from fanout.lifecycle.exceptions import ApplicationNotFoundError, UnexpectedApplicationStatusError
from fanout.lifecycle.overview import ApplicationOverview, application_overview, toggle_explanation, toggle_target
from fanout.lifecycle.spec import spec_from_function
from fanout.lifecycle.status import UNHANDLED_STATUSES, ApplicationStatus
from fanout.lifecycle.transitions import follow_transition
from fanout.runtimes import RUNTIMES, check_runtime
from fanout.upgrade import (
    UpgradeClients,
    UpgradeOptions,
    UpgradePlan,
    plan_upgrade,
    rollback_application,
    upgrade_application,
)

console = Console(soft_wrap=True)

ApplicationOption = typer.Option(
    None, "--application", "-a", help="Application name \\[default: the stack's ApplicationName output]."
)
WaitOption = typer.Option(False, "--wait", "-w", help="Follow the transition with a spinner until it settles.")
TimeoutOption = typer.Option(1200.0, "--timeout", min=1, help="Seconds --wait waits before giving up (exit 12).")
PollOption = typer.Option(5.0, "--poll", min=0.05, help="Seconds between two checks while waiting.")


def _target(
    stack: str | None, region: str | None, profile: str | None, endpoint: str | None, application: str | None
) -> tuple[Aws, str]:
    aws = Aws(stack=stack, region=region, profile=profile, endpoint_url=endpoint)
    resources = aws.resources({"ApplicationName": application}, needed=("ApplicationName",))
    return aws, resources.get("ApplicationName", "--application")


def _since(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _accrued(view: ApplicationOverview, price: float) -> dict[str, Any] | None:
    since = view.running_since()
    if since is None or view.state is None:
        return None
    kpu_count = kpus(view.state.parallelism, view.state.parallelism_per_kpu)
    prices = Prices(kpu_hour=price)
    seconds = (datetime.now(UTC) - since).total_seconds()
    return {
        "since": since.isoformat(),
        "seconds": round(seconds),
        "kpus": kpu_count,
        "kpuHour": price,
        "usd": round(accrued_cost(since, kpu_count, prices), 4),
        "minimumSeconds": prices.minimum_run_seconds,
    }


def status_document(view: ApplicationOverview, price: float) -> dict[str, Any]:
    """The `status --json` document."""
    state = view.state
    last = view.last_operation
    return {
        "application": view.name,
        "exists": view.exists,
        "status": view.status,
        "runtime": state.runtime if state else None,
        "versionId": state.version_id if state else None,
        "parallelism": state.parallelism if state else None,
        "parallelismPerKpu": state.parallelism_per_kpu if state else None,
        "kpus": kpus(state.parallelism, state.parallelism_per_kpu) if state else 0,
        "lastOperation": last.model_dump(mode="json", by_alias=True) if last else None,
        "snapshots": [s.model_dump(mode="json", by_alias=True) for s in view.snapshots],
        "accrued": _accrued(view, price),
        "jobRestarts": view.restarts,
    }


def _render_status(doc: dict[str, Any]) -> None:
    if not doc["exists"]:
        console.print(f"application [bold]{doc['application']}[/] does not exist (READY after `fanout app create`)")
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    grid.add_row("application", f"[bold]{doc['application']}[/]")
    grid.add_row("status", f"[bold cyan]{doc['status']}[/]")
    if doc.get("jobRestarts"):
        grid.add_row("job restarts", f"[yellow]{doc['jobRestarts']}[/] (fullRestarts: the job failed and restarted)")
    grid.add_row(
        "runtime",
        f"{doc['runtime']} · version {doc['versionId']} · parallelism {doc['parallelism']} "
        f"({doc['parallelismPerKpu']} per KPU) = {doc['kpus']} KPUs incl. orchestration",
    )
    last = doc["lastOperation"]
    grid.add_row(
        "last operation",
        f"{last['operation']} [bold]{last['status']}[/] · started {_since(_parse(last['start']))}" if last else "-",
    )
    accrued = doc["accrued"]
    if accrued:
        minutes = accrued["seconds"] / 60
        grid.add_row(
            "this window",
            f"running since {_since(_parse(accrued['since']))} ({minutes:.0f} min) · "
            f"≈ ${accrued['usd']:.2f} so far ({accrued['kpus']} KPUs x ${accrued['kpuHour']}/KPU-hour, "
            f"{accrued['minimumSeconds'] // 60}-minute minimum)",
        )
    else:
        grid.add_row("this window", "not running: no KPUs billed (snapshots are)")
    console.print(grid)
    snaps = Table(title=f"snapshots ({len(doc['snapshots'])})", title_justify="left")
    for column in ("name", "status", "created", "version"):
        snaps.add_column(column)
    for snap in doc["snapshots"]:
        snaps.add_row(snap["name"], snap["status"], _since(_parse(snap["created"])), str(snap["versionId"]))
    console.print(snaps)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _wait(kda: Any, name: str, target: Target, result: dict[str, Any], timeout: float, poll: float) -> str:
    """Follow the transition with a spinner; returns the settled status."""
    status = str(result.get("status", ""))
    with console.status(f"{name}: {status}, waiting for {target.value}") as spinner:
        for progress in follow_transition(
            kda,
            name,
            target,
            operation_id=result.get("operationId"),
            since=result.get("since"),
            timeout_seconds=timeout,
            poll_seconds=poll,
        ):
            status = str(progress["status"])
            spinner.update(f"{name}: {status} · {progress['elapsedSeconds']:.0f}s, waiting for {target.value}")
    console.print(f"[green]✔[/] {name} is {status}")
    return status


def _report(name: str, result: dict[str, Any], done: str) -> None:
    missing = result.get("status") == ApplicationStatus.DELETED  # the lifecycle's "missing"
    if result.get("action") in (None, "none") and missing:
        console.print(f"{name} does not exist: nothing to do")
    elif result.get("action") in (None, "none"):
        console.print(f"{name} is already {result.get('status')}: nothing to do")
    else:
        extra = f" (restore: {result['restoreType']})" if result.get("restoreType") else ""
        console.print(f"{name}: {done}{extra}; now {result.get('status')}")


group = typer.Typer(
    help="The Flink application: status, create, start, stop, delete, toggle, upgrade, rollback (lifecycle code).",
    no_args_is_help=True,
)


@group.command("status")
def status(
    stack: str | None = StackOption,
    application: str | None = ApplicationOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
    kpu_price: float = typer.Option(
        Prices().kpu_hour, "--kpu-hour", "--kpu-price", min=0, help="USD per KPU-hour, for the accrued cost."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the status as JSON."),
) -> None:
    """Show the status, runtime, version, last operation, snapshots and the cost of the current window.

    The cost so far is (time since the start operation, at least 10 minutes) x KPUs x the KPU-hour price,
    with KPUs = ceil(parallelism / parallelism per KPU) + 1 for orchestration.

    Example: fanout app status --json
    """
    aws, name = _target(stack, region, profile, endpoint_url, application)
    overview = application_overview(aws.client("kinesisanalyticsv2"), name, aws.client("cloudwatch"))
    doc = status_document(overview, kpu_price)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
    else:
        _render_status(doc)


@group.command("create")
def create(
    stack: str | None = StackOption,
    ensure_function: str | None = typer.Option(
        None, help="The create step's function \\[default: the stack's EnsureApplicationFunctionName output]."
    ),
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Create the application as the lifecycle would, or point it at the artifact's newest version.

    The definition (role, artifact, parallelism, runtime properties) is the deployed create step's
    own environment, so the CLI and the state machine never disagree. Creating an existing
    application is a no-op.

    Example: fanout app create --stack kinesis-fanout
    """
    aws = Aws(stack=stack, region=region, profile=profile, endpoint_url=endpoint_url)
    resources = aws.resources(
        {"EnsureApplicationFunctionName": ensure_function}, needed=("EnsureApplicationFunctionName",)
    )
    spec = spec_from_function(aws.client("lambda"), resources.get("EnsureApplicationFunctionName", "--ensure-function"))
    result = ensure_application(aws.client("kinesisanalyticsv2"), aws.client("s3"), spec)
    console.print(
        f"{spec.application_name}: [bold]{result['action']}[/] ({result['status']}, version {result['versionId']})"
    )


@group.command("start")
def start(
    stack: str | None = StackOption,
    application: str | None = ApplicationOption,
    wait: bool = WaitOption,
    timeout: float = TimeoutOption,
    poll: float = PollOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Start a READY application, restoring its latest snapshot when it has one (no-op when RUNNING).

    Example: fanout app start --wait
    """
    aws, name = _target(stack, region, profile, endpoint_url, application)
    kda = aws.client("kinesisanalyticsv2")
    result = start_application(kda, name)
    _report(name, result, "start requested")
    if wait:
        _wait(kda, name, Target.RUNNING, result, timeout, poll)


@group.command("stop")
def stop(
    stack: str | None = StackOption,
    application: str | None = ApplicationOption,
    force: bool = typer.Option(False, "--force", help="Force-stop: no snapshot (records may be replayed)."),
    wait: bool = WaitOption,
    timeout: float = TimeoutOption,
    poll: float = PollOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Stop a RUNNING application with a snapshot, so the next start resumes exactly there.

    Example: fanout app stop --wait
    """
    aws, name = _target(stack, region, profile, endpoint_url, application)
    kda = aws.client("kinesisanalyticsv2")
    result = stop_application(kda, name, force=force)
    _report(name, result, "force-stop requested" if force else "stop requested (with a snapshot)")
    if wait and result.get("status") != ApplicationStatus.DELETED:
        _wait(kda, name, Target.READY, result, timeout, poll)


@group.command("delete")
def delete(
    stack: str | None = StackOption,
    application: str | None = ApplicationOption,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    wait: bool = WaitOption,
    timeout: float = TimeoutOption,
    poll: float = PollOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Delete a READY application and its snapshots (the saved read position goes with them).

    Stop it first (`fanout app stop --wait`). Deleting a missing application is a no-op.

    Example: fanout app delete --yes --wait
    """
    aws, name = _target(stack, region, profile, endpoint_url, application)
    if not yes and not sys.stdin.isatty():  # a script: no one to answer, and click's "Aborted!" would exit 1
        raise ConfigurationError(f"not deleting {name}: there is no terminal to confirm on; pass --yes")
    if not yes:
        typer.confirm(f"Delete {name} and its snapshots?", abort=True)
    kda = aws.client("kinesisanalyticsv2")
    result = delete_application(kda, name)
    _report(name, result, "delete requested")
    if wait:
        _wait(kda, name, Target.DELETED, result, timeout, poll)


@group.command("toggle")
def toggle(
    stack: str | None = StackOption,
    application: str | None = ApplicationOption,
    wait: bool = WaitOption,
    timeout: float = TimeoutOption,
    poll: float = PollOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Start a READY application or stop a RUNNING one.

    In a transient status (STARTING, STOPPING, UPDATING, ...) it does nothing, says what is happening
    and what to do, and exits 0. MAINTENANCE or ROLLED_BACK exit 9; a missing application exits 11.

    Example: fanout app toggle --wait
    """
    aws, name = _target(stack, region, profile, endpoint_url, application)
    kda = aws.client("kinesisanalyticsv2")
    state = find_application(kda, name)
    if state is None:
        raise ApplicationNotFoundError(f"application {name!r} does not exist; nothing to toggle")
    if state.status in UNHANDLED_STATUSES:
        raise UnexpectedApplicationStatusError(
            f"application {name!r} is {state.status}: {toggle_explanation(state.status)}"
        )
    action = toggle_target(state.status)
    if action is None:
        console.print(f"{name} is [bold]{state.status}[/]: {toggle_explanation(state.status)}")
        return
    if action == "start":
        result = start_application(kda, name)
        _report(name, result, "start requested")
        target = Target.RUNNING
    else:
        result = stop_application(kda, name)
        _report(name, result, "stop requested (with a snapshot)")
        target = Target.READY
    if wait:
        _wait(kda, name, target, result, timeout, poll)


@group.command("upgrade")
def upgrade(
    runtime: str = typer.Option(..., "--runtime", help=f"The runtime to move to: {', '.join(RUNTIMES)}."),
    stack: str | None = StackOption,
    application: str | None = ApplicationOption,
    artifact_version: str | None = typer.Option(
        None, "--artifact-version", help="The artifact's S3 object version to run \\[default: its newest]."
    ),
    watch: float = typer.Option(
        120.0, "--watch", min=0, help="Seconds to watch the upgraded job's restart count before calling it done."
    ),
    rollback: bool = typer.Option(
        True, "--rollback/--no-rollback", help="Roll back with RollbackApplication when the upgraded job does not run."
    ),
    check_only: bool = typer.Option(False, "--check", help="Only run the checks and print the plan; change nothing."),
    timeout: float = TimeoutOption,
    poll: float = PollOption,
    topic: str | None = typer.Option(
        None, "--topic-arn", help="SNS topic told of a rollback \\[default: the stack's FailureTopicArn output]."
    ),
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Move the application to a newer Flink runtime in place (UpdateApplication), keeping its state.

    First it checks, changing nothing: the runtime is newer (state moves one way, 1.x to 2.x), the application
    is READY or RUNNING with snapshots on, its Kinesis connector state restores on 2.x, and the artifact ships the
    new runtime's connector (publish it first: `fanout artifact publish --runtime FLINK-2_2`). A RUNNING
    application then gets a snapshot, goes UPDATING and back to RUNNING, and its job is watched (--watch seconds,
    numRestarts on 2.2). If the job does not run, RollbackApplication puts back the previous runtime and code, from
    the snapshot, the stack's FailureTopic is told, and the command exits 13. A READY application is upgraded
    and stays READY: its next start runs the new runtime.

    Example: fanout app upgrade --runtime FLINK-2_2 --watch 300
    """
    try:
        target = check_runtime(runtime)
    except UnsupportedRuntimeError as exc:
        raise typer.BadParameter(str(exc), param_hint="--runtime") from exc
    aws = Aws(stack=stack, region=region, profile=profile, endpoint_url=endpoint_url)
    resources = aws.resources({"ApplicationName": application, "FailureTopicArn": topic}, needed=("ApplicationName",))
    name = resources.get("ApplicationName", "--application")
    clients = UpgradeClients(aws.client("kinesisanalyticsv2"), aws.client("s3"), aws.client("cloudwatch"))
    plan = plan_upgrade(clients.kda, clients.s3, name, target, artifact_version=artifact_version)
    if check_only or plan.noop:
        _print_plan(plan, as_json)
        return
    topic_arn = resources.optional("FailureTopicArn")
    options = UpgradeOptions(
        watch_seconds=watch, timeout_seconds=timeout, poll_seconds=poll, rollback=rollback, notify_topic_arn=topic_arn
    )
    if topic_arn:
        clients = replace(clients, sns=aws.client("sns"))
    say = None if as_json else (lambda text: console.print(f"[dim]·[/] {text}", highlight=False))
    report = upgrade_application(clients, plan, options, say)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        console.print(f"[green]✔[/] {name}: {report.outcome}, {plan.from_runtime} → {plan.to_runtime}")


def _print_plan(plan: UpgradePlan, as_json: bool) -> None:
    doc = {
        "application": plan.application,
        "fromRuntime": plan.from_runtime,
        "toRuntime": plan.to_runtime,
        "status": plan.status,
        "versionId": plan.version_id,
        "artifactVersion": plan.artifact_version,
        "jarFile": plan.jar_file,
        "restoreSnapshot": plan.restore_snapshot,
        "noop": plan.noop,
    }
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
    elif plan.noop:
        console.print(f"{plan.application} already runs {plan.to_runtime}: nothing to do")
    else:
        snapshot = "a new snapshot" if plan.status == ApplicationStatus.RUNNING else plan.restore_snapshot or "none"
        console.print(
            f"[green]✔[/] checks passed: {plan.application} ({plan.status}) can move {plan.from_runtime} → "
            f"{plan.to_runtime} with artifact version {plan.artifact_version} ({plan.jar_file}); "
            f"state from: {snapshot}",
            highlight=False,
        )


@group.command("rollback")
def rollback_command(
    stack: str | None = StackOption,
    application: str | None = ApplicationOption,
    wait: bool = WaitOption,
    timeout: float = TimeoutOption,
    poll: float = PollOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Go back to the previous application version (RollbackApplication): its runtime, code and configuration.

    From READY, RUNNING, or an UPDATING that does not end. A running application restarts from the last
    snapshot its runtime can read (1.x cannot read a 2.x snapshot).

    Example: fanout app rollback --wait
    """
    aws, name = _target(stack, region, profile, endpoint_url, application)
    kda = aws.client("kinesisanalyticsv2")
    result = rollback_application(kda, name)
    console.print(
        f"{name}: rollback requested; now {result['status']} on {result['runtime']} (version {result['versionId']})"
    )
    if wait and result["status"] != ApplicationStatus.READY:
        _wait(kda, name, Target.RUNNING, result, timeout, poll)


def register(app: typer.Typer) -> None:
    """Add `fanout app` to the CLI."""
    app.add_typer(group, name="app")
