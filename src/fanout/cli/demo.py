"""`fanout demo`: the lifecycle state machine, run offline against the local cloud, shown as it happens."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fanout import executions
from fanout.localcloud.flink import LocalApplication, TransitionDelays
from fanout.localcloud.project import deploy_project
from fanout.localcloud.server import LocalCloud

console = Console()


def _group_not_emulated(lines: list[str]) -> list[str]:
    """One line per resource type: 'AWS::CloudWatch::Alarm x7: alarms are not evaluated offline'."""
    groups: dict[str, tuple[int, str]] = {}
    for line in lines:
        kind, _, reason = line.partition("(")[2].partition("): ")
        count, _ = groups.get(kind, (0, reason))
        groups[kind] = (count + 1, reason)
    return [f"{kind} x{count}: {reason}" for kind, (count, reason) in groups.items()]


def _stamp(t0: float) -> str:
    return f"[dim]+{time.monotonic() - t0:5.1f}s[/]"


def run_demo(window_seconds: int, as_json: bool, log_level: str = "WARNING") -> dict[str, Any]:
    """Deploy locally, run one `run` window, and return the summary."""
    t0 = time.monotonic()
    transitions: list[dict[str, Any]] = []
    say = (lambda *_: None) if as_json else console.print
    with LocalCloud(delays=TransitionDelays(start=1.0, stop=1.0, update=0.3, delete=0.5)) as cloud:
        deployment = deploy_project(
            cloud, stack_name="fanout-demo", environment_overrides={"POWERTOOLS_LOG_LEVEL": log_level}
        )
        say(f"{_stamp(t0)} local cloud at {cloud.endpoint}; stack [bold]fanout-demo[/] deployed from template.yaml")
        for line in _group_not_emulated(deployment.not_emulated):
            say(f"{_stamp(t0)} [dim]not emulated: {line}[/]")

        def on_status(app: LocalApplication, old: str, new: str) -> None:
            transitions.append({"at": datetime.now(UTC).isoformat(), "from": old, "to": new, "application": app.name})
            say(f"{_stamp(t0)} [bold cyan]application[/] {app.name}: {old} → [bold]{new}[/]")

        cloud.flink.listeners.append(on_status)
        sfn = cloud.client("stepfunctions")
        payload = {"action": "run", "duration": f"PT{window_seconds}S"}
        arn = sfn.start_execution(
            stateMachineArn=deployment.outputs["LifecycleStateMachineArn"],
            name=f"demo-{int(time.time())}",
            input=json.dumps(payload),
        )["executionArn"]
        say(f"{_stamp(t0)} [bold]execution[/] started with {json.dumps(payload)}")
        states: list[str] = []
        for event in executions.follow(sfn, arn, poll_seconds=0.2, timeout_seconds=300):
            line = executions.describe_event(event)
            if "stateEnteredEventDetails" in event:
                states.append(event["stateEnteredEventDetails"]["name"])
            if line:
                say(f"{_stamp(t0)} [bold]execution[/] {line}")
        result = sfn.describe_execution(executionArn=arn)
        app = cloud.flink.applications()
    summary = {
        "status": result["status"],
        "error": result.get("error"),
        "states": states,
        "transitions": transitions,
        "snapshots": len(app[0].snapshots) if app else 0,
        "seconds": round(time.monotonic() - t0, 1),
    }
    return summary


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title="fanout demo")
    table.add_column("what")
    table.add_column("value")
    table.add_row("execution", summary["status"] + (f" ({summary['error']})" if summary["error"] else ""))
    table.add_row("states entered", str(len(summary["states"])))
    path = [t["to"] for t in summary["transitions"]]
    table.add_row("status transitions", " → ".join([summary["transitions"][0]["from"], *path]) if path else "none")
    table.add_row("snapshots after the window", str(summary["snapshots"]))
    table.add_row("wall time", f"{summary['seconds']} s")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the command to the CLI."""

    @app.command()
    def demo(
        window: int = typer.Option(3, "--window", min=1, max=600, help="Seconds the application runs in the window."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON for machines."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the Lambda functions' own logs."),
    ) -> None:
        """Run the lifecycle state machine offline (no AWS account, no Docker) and show every transition.

        Example: fanout demo --window 5
        """
        summary = run_demo(window, as_json, "DEBUG" if verbose else ("ERROR" if as_json else "WARNING"))
        if as_json:
            typer.echo(json.dumps(summary, indent=2))
        else:
            _print_summary(summary)
        raise typer.Exit(0 if summary["status"] == "SUCCEEDED" else 1)
