"""`fanout app ...` against the template deployed in moto with the local Managed Flink."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from fanout.cli import _register, app, main
from fanout.cli.errors import ExitCode
from fanout.localcloud.deploy import LocalDeployment
from tests.conftest import Cloud

STACK = ["--stack", "fanout"]
FAST = ["--poll", "0.1", "--timeout", "20"]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _cli() -> None:
    _register()


def fanout(*args: str) -> Any:
    """Invoke the CLI (Typer's runner: errors propagate as exceptions, not exit codes)."""
    return runner.invoke(app, list(args), catch_exceptions=False)


def status(deployment: LocalDeployment) -> dict[str, Any]:
    result = fanout("app", "status", *STACK, "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_app_status_and_toggle_before_create_report_not_created(
    deployment: LocalDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN status is asked before any create
    doc = status(deployment)
    # THEN the application (named by the stack's output) does not exist yet, and costs nothing
    assert doc["application"] == deployment.outputs["ApplicationName"]
    assert doc["exists"] is False and doc["status"] == "NOT_CREATED" and doc["accrued"] is None
    # AND toggling it is a one-line error with exit 11 and a hint to create it
    with pytest.raises(SystemExit) as exited:
        main(["app", "toggle", *STACK])
    assert exited.value.code == ExitCode.APPLICATION_NOT_FOUND
    assert "fanout app create" in capsys.readouterr().err


@pytest.mark.parametrize("operation", [["stop"], ["delete", "--yes"]])
def test_app_stop_or_delete_before_create_says_it_does_not_exist(
    deployment: LocalDeployment, operation: list[str]
) -> None:
    # GIVEN no application yet WHEN it is stopped or deleted
    result = fanout("app", *operation, *STACK)
    # THEN it is a no-op (exit 0) that says the application does not exist, not that it is "already DELETED"
    assert result.exit_code == 0, result.output
    assert "does not exist: nothing to do" in result.output
    assert "DELETED" not in result.output


def test_app_delete_without_yes_and_without_a_terminal_is_a_named_error(
    deployment: LocalDeployment, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a script (stdin is no terminal) that forgot --yes
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    # WHEN it deletes the application
    with pytest.raises(SystemExit) as exited:
        main(["app", "delete", *STACK])
    # THEN nothing is asked or deleted: one named error saying to pass --yes, exit 3 (not click's "Aborted!", exit 1)
    err = capsys.readouterr().err
    assert exited.value.code == ExitCode.ERROR
    assert err.startswith("error: ConfigurationError: not deleting") and "--yes" in err


def test_app_create_start_toggle_lifecycle_shows_operations_snapshots_and_cost(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN a deployed stack: WHEN the application is created from the create step's own environment
    created = fanout("app", "create", *STACK)
    again = fanout("app", "create", *STACK)
    # THEN it exists READY with the definition of the template, and a second create changes nothing
    assert "created" in created.output and "unchanged" in again.output
    local = cloud.flink.describe(deployment.outputs["ApplicationName"])
    assert local.status == "READY"
    assert local.property_groups()["fanout"]["input.stream.arn"] == deployment.outputs["TransactionsStreamArn"]

    # WHEN it is started and waited for
    started = fanout("app", "start", *STACK, "--wait", *FAST)
    # THEN it is RUNNING, the last operation is the start, and the window's cost is the 10-minute minimum of 2 KPUs
    assert started.exit_code == 0, started.output
    assert "is RUNNING" in started.output
    doc = status(deployment)
    assert doc["status"] == "RUNNING"
    assert doc["lastOperation"]["operation"] == "StartApplication"
    assert doc["lastOperation"]["status"] == "SUCCESSFUL"
    assert doc["kpus"] == 2
    assert doc["accrued"]["usd"] == pytest.approx(600 / 3600 * 2 * 0.11, rel=1e-3)
    # AND the price is a flag named as in `fanout cost` (--kpu-hour), the older --kpu-price still accepted
    for flag in ("--kpu-hour", "--kpu-price"):
        priced = json.loads(fanout("app", "status", *STACK, "--json", flag, "0.2").stdout)
        assert priced["accrued"]["usd"] == pytest.approx(600 / 3600 * 2 * 0.2, rel=1e-3)

    # WHEN toggled while RUNNING
    toggled = fanout("app", "toggle", *STACK, "--wait", *FAST)
    # THEN it stopped with a snapshot, which status lists, and nothing is billed any more
    assert toggled.exit_code == 0, toggled.output
    doc = status(deployment)
    assert doc["status"] == "READY" and doc["accrued"] is None
    assert doc["lastOperation"]["operation"] == "StopApplication"
    assert len(doc["snapshots"]) == 1 and doc["snapshots"][0]["status"] == "READY"
    people = fanout("app", "status", *STACK)
    assert doc["snapshots"][0]["name"] in people.stdout and "not running" in people.stdout


def test_app_toggle_in_transient_status_explains_and_exits_0(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN an application that is STARTING (a start that hangs)
    fanout("app", "create", *STACK)
    cloud.flink.faults.hang_next("start")
    fanout("app", "start", *STACK)
    # WHEN toggled
    result = fanout("app", "toggle", *STACK)
    # THEN it does nothing, says it is starting and what to do, and exits 0
    said = " ".join(result.stdout.split())
    assert result.exit_code == 0
    assert "is STARTING" in said and "toggle again once it is RUNNING" in said
    assert cloud.flink.describe(deployment.outputs["ApplicationName"]).status == "STARTING"


def test_app_delete_running_is_refused_with_exit_9_then_stop_and_delete_succeed(
    cloud: Cloud, deployment: LocalDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a RUNNING application
    fanout("app", "create", *STACK)
    fanout("app", "start", *STACK, "--wait", *FAST)
    # WHEN deleting it through the real entry point
    with pytest.raises(SystemExit) as exited:
        main(["app", "delete", *STACK, "--yes"])
    # THEN one line names the error, a hint follows, the exit code is 9, and the application is untouched
    err = capsys.readouterr().err.splitlines()
    assert exited.value.code == ExitCode.WRONG_STATUS
    assert err[0].startswith("error: ApplicationBusyError:") and err[0].endswith("stop it before deleting it")
    assert err[1].startswith("hint:") and len(err) == 2
    assert cloud.flink.describe(deployment.outputs["ApplicationName"]).status == "RUNNING"
    # WHEN it is stopped and deleted, waiting for each
    stopped = fanout("app", "stop", *STACK, "--wait", *FAST)
    deleted = fanout("app", "delete", *STACK, "--yes", "--wait", *FAST)
    # THEN it is gone, and status says so
    assert stopped.exit_code == 0 and "is READY" in stopped.output
    assert deleted.exit_code == 0 and "is DELETED" in deleted.output
    assert status(deployment)["exists"] is False


def test_app_status_unknown_stack_exits_5(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["app", "status", "--stack", "no-such-stack"])
    assert exited.value.code == ExitCode.STACK_NOT_FOUND
    assert capsys.readouterr().err.startswith("error: StackNotFoundError:")


@pytest.mark.parametrize(
    "command",
    [
        ["app", "status"],
        ["app", "create"],
        ["app", "start"],
        ["app", "stop"],
        ["app", "delete"],
        ["app", "toggle"],
        ["run"],
        ["executions", "list"],
        ["executions", "follow"],
        ["cost"],
    ],
)
def test_operations_help_has_an_example(command: list[str]) -> None:
    # WHEN a command's help is shown, THEN it carries a runnable example of that command
    result = fanout(*command, "--help")
    assert result.exit_code == 0
    assert f"Example: fanout {' '.join(command)}" in " ".join(result.stdout.split())
