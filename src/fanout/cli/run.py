"""`fanout run` and `fanout executions list|follow`: lifecycle executions of the state machine, followed live."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption, StackOption
from fanout.cli.errors import ExitCode
from fanout.executions import (
    describe_event,
    execution_arn,
    follow,
    iso_duration,
    recent_executions,
    start_lifecycle,
)
from fanout.lifecycle import Action, LifecycleRequest, parse_duration
from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.status import ExecutionStatus

console = Console(soft_wrap=True)

SKIPPED_STATE = "Skip: another execution is in charge"
OUTCOME_EXIT = {
    ExecutionStatus.SUCCEEDED: ExitCode.OK,
    ExecutionStatus.FAILED: ExitCode.EXECUTION_FAILED,
    ExecutionStatus.TIMED_OUT: ExitCode.EXECUTION_TIMED_OUT,
    ExecutionStatus.ABORTED: ExitCode.EXECUTION_ABORTED,
}
StateMachineOption = typer.Option(
    None, "--state-machine", help="State machine ARN \\[default: the stack's LifecycleStateMachineArn output]."
)
PollOption = typer.Option(2.0, "--poll", min=0.05, help="Seconds between two reads of the execution history.")
JsonOption = typer.Option(False, "--json", help="Print only the outcome, as JSON.")
ActionOption = typer.Option(Action.RUN.value, "--action", help="What the execution does.")


def _state_machine(aws: Aws, override: str | None) -> str:
    resources = aws.resources({"LifecycleStateMachineArn": override}, needed=("LifecycleStateMachineArn",))
    return resources.get("LifecycleStateMachineArn", "--state-machine")


def _iso(value: Any) -> str | None:
    """A timestamp for --json: ISO 8601 (``2026-11-26T01:49:22.601000+00:00``), as the AWS CLI prints them."""
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def follow_execution(sfn: Any, arn: str, *, poll: float, timeout: float, as_json: bool) -> dict[str, Any]:
    """Print each state as the execution enters it (unless `as_json`) and return the outcome document."""
    states: list[str] = []
    start: datetime | None = None
    for event in follow(sfn, arn, poll_seconds=poll, timeout_seconds=timeout):
        start = start or event.get("timestamp")
        if "stateEnteredEventDetails" in event:
            states.append(event["stateEnteredEventDetails"]["name"])
        line = describe_event(event)
        if line and not as_json:
            at = event.get("timestamp")
            offset = (at - start).total_seconds() if isinstance(at, datetime) and start else 0.0
            console.print(f"[dim]+{offset:7.1f}s[/] {line}", highlight=False)
    desc = sfn.describe_execution(executionArn=arn)
    outcome: dict[str, Any] = {
        "executionArn": arn,
        "name": desc.get("name"),
        "status": desc["status"],
        "input": json.loads(desc.get("input") or "{}"),
        "startDate": _iso(desc.get("startDate")),
        "stopDate": _iso(desc.get("stopDate")),
        "states": states,
        "skipped": SKIPPED_STATE in states,
    }
    for key in ("error", "cause"):
        if desc.get(key):
            outcome[key] = desc[key]
    return outcome


def _follow_or_detach(sfn: Any, arn: str, *, poll: float, timeout: float, as_json: bool) -> dict[str, Any]:
    """Follow the execution; on Ctrl-C say how to follow it again (it goes on) and exit 130."""
    try:
        return follow_execution(sfn, arn, poll=poll, timeout=timeout, as_json=as_json)
    except KeyboardInterrupt:
        console.print(f"\nstopped following; the execution goes on: fanout executions follow {arn}", highlight=False)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _finish(outcome: dict[str, Any], as_json: bool) -> None:
    code = OUTCOME_EXIT.get(outcome["status"], ExitCode.UNEXPECTED)
    if as_json:
        typer.echo(json.dumps({**outcome, "exitCode": int(code)}, indent=2))
    else:
        style = "green" if code is ExitCode.OK else "red"
        console.print(f"[bold {style}]{outcome['status']}[/] {outcome['executionArn']}", highlight=False)
        if outcome["skipped"]:
            console.print("[yellow]another execution was in charge: this one did nothing[/] (fanout executions list)")
        if outcome.get("error"):
            console.print(f"[red]{outcome['error']}[/]: {outcome.get('cause', '')}", highlight=False)
    raise typer.Exit(int(code))


def _request(action: Action, duration: str | None) -> LifecycleRequest:
    if duration is not None and action is not Action.RUN:
        raise typer.BadParameter(
            f"--duration applies to --action run only, not {action.value}", param_hint="--duration"
        )
    try:
        iso = iso_duration(duration) if duration is not None else None
        return LifecycleRequest.parse({"action": action.value, **({"duration": iso} if iso else {})})
    except InvalidRequestError as exc:
        raise typer.BadParameter(str(exc), param_hint="--duration") from exc


def _window_seconds(request: LifecycleRequest) -> float:
    """The run window (the longest allowed, P7D, when the stack's default applies); 0 for other actions."""
    if request.action is not Action.RUN:
        return 0.0
    return parse_duration(request.duration or "P7D").total_seconds()


def register(app: typer.Typer) -> None:
    """Add `fanout run` and `fanout executions` to the CLI."""
    app.command("run")(run)
    app.add_typer(executions, name="executions")


def run(
    action: Action = ActionOption,
    duration: str | None = typer.Option(
        None, "--duration", "-d", help="Run window: 8h, 30m, 90s, 2d or ISO 8601 PT8H \\[default: the stack's]."
    ),
    follow_it: bool = typer.Option(True, "--follow/--no-follow", help="Follow it live, or print its ARN and exit."),
    timeout: float | None = typer.Option(
        None, "--timeout", min=1, help="Seconds to follow before giving up \\[default: the window + 1 h]."
    ),
    poll: float = PollOption,
    as_json: bool = JsonOption,
    stack: str | None = StackOption,
    state_machine: str | None = StateMachineOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Start a lifecycle execution and follow it state by state; exit with its outcome.

    run creates the application if needed, starts it, waits out the window, and stops it with a snapshot;
    start, stop and delete do only that. Exit 0 on SUCCEEDED, 13 FAILED, 14 TIMED_OUT, 15 ABORTED.

    Example: fanout run --duration 8h --no-follow
    """
    request = _request(action, duration)
    aws = Aws(stack=stack, region=region, profile=profile, endpoint_url=endpoint_url)
    sfn = aws.client("stepfunctions")
    arn = start_lifecycle(sfn, _state_machine(aws, state_machine), request)
    if not follow_it:
        command = f"fanout executions follow {arn}"
        if as_json:
            typer.echo(json.dumps({"executionArn": arn, "follow": command}, indent=2))
        else:
            console.print(f"started [bold]{arn}[/]\nfollow it with: {command}", highlight=False)
        return
    if not as_json:
        console.print(f"started [bold]{arn}[/] with {json.dumps(request.model_dump(mode='json', exclude_none=True))}")
    limit = timeout if timeout is not None else _window_seconds(request) + 3600
    _finish(_follow_or_detach(sfn, arn, poll=poll, timeout=limit, as_json=as_json), as_json)


executions = typer.Typer(help="Lifecycle executions: list the recent ones, follow one live.", no_args_is_help=True)


@executions.command("follow")
def follow_command(
    execution: str = typer.Argument(..., help="Execution ARN, or its name (with the stack's state machine)."),
    timeout: float = typer.Option(86400 * 7, "--timeout", min=1, help="Seconds to follow before giving up."),
    poll: float = PollOption,
    as_json: bool = JsonOption,
    stack: str | None = StackOption,
    state_machine: str | None = StateMachineOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """Print an execution's states from its start, then live until it ends; exit with its outcome.

    Example: fanout executions follow arn:aws:states:us-east-1:123456789012:execution:kinesis-fanout-lifecycle:x
    """
    aws = Aws(stack=stack, region=region, profile=profile, endpoint_url=endpoint_url)
    arn = execution if execution.startswith("arn:") else execution_arn(_state_machine(aws, state_machine), execution)
    sfn = aws.client("stepfunctions")
    _finish(_follow_or_detach(sfn, arn, poll=poll, timeout=timeout, as_json=as_json), as_json)


@executions.command("list")
def list_command(
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=1000, help="How many (newest first)."),
    status: str | None = typer.Option(None, "--status", help="Only RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED."),
    as_json: bool = typer.Option(False, "--json", help="Print the executions as JSON."),
    stack: str | None = StackOption,
    state_machine: str | None = StateMachineOption,
    region: str | None = RegionOption,
    profile: str | None = ProfileOption,
    endpoint_url: str | None = EndpointOption,
) -> None:
    """List the state machine's recent executions, newest first.

    Example: fanout executions list --status FAILED
    """
    aws = Aws(stack=stack, region=region, profile=profile, endpoint_url=endpoint_url)
    items = recent_executions(
        aws.client("stepfunctions"),
        _state_machine(aws, state_machine),
        limit=limit,
        status=status.upper() if status else None,
    )
    if as_json:
        typer.echo(json.dumps(items, indent=2, default=_iso))
        return
    table = Table(title=f"lifecycle executions ({len(items)})", title_justify="left")
    table.add_column("name", overflow="fold")
    for column in ("status", "started", "took"):
        table.add_column(column, no_wrap=True)
    for item in items:
        started, stopped = item.get("startDate"), item.get("stopDate")
        took = f"{(stopped - started).total_seconds():.0f}s" if started and stopped else "running"
        style = {ExecutionStatus.SUCCEEDED: "green", ExecutionStatus.RUNNING: "cyan"}.get(item["status"], "red")
        when = started.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if started else ""
        table.add_row(item["name"], f"[{style}]{item['status']}[/]", when, took)
    console.print(table)
