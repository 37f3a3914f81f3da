"""`fanout run` and `fanout executions` against the real lifecycle ASL run by moto, Lambdas in-process."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fanout.cli import _register, app
from fanout.cli.errors import ExitCode
from fanout.cli.run import _follow_or_detach
from fanout.cost.statemachine import load_definition, transitions
from fanout.localcloud.deploy import LocalDeployment
from tests.conftest import Cloud, set_function_env
from tests.support import ROOT, states_entered

STACK = ["--stack", "fanout"]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _cli() -> None:
    _register()


@pytest.fixture
def quiet(deployment: LocalDeployment) -> LocalDeployment:
    """The deployment with its in-process Lambdas logging warnings only (they share the CLI's stdout here)."""
    set_function_env(deployment, POWERTOOLS_LOG_LEVEL="WARNING")
    return deployment


def fanout(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_run_short_window_follows_every_state_and_exits_0(cloud: Cloud, quiet: LocalDeployment) -> None:
    # WHEN a 1-second run window is started and followed
    result = fanout("run", *STACK, "--duration", "1s", "--poll", "0.1", "--json")
    # THEN it SUCCEEDED with exit 0, the duration went in as ISO 8601, and every state was reported
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "SUCCEEDED" and outcome["exitCode"] == 0
    assert outcome["input"] == {"action": "run", "duration": "PT1S"}
    assert outcome["name"].startswith("cli-run-")
    # AND its times are ISO 8601, as the AWS CLI prints them, and in order
    started, stopped = (datetime.fromisoformat(outcome[k]) for k in ("startDate", "stopDate"))
    assert "T" in outcome["startDate"] and started.tzinfo is not None and started <= stopped
    sfn = cloud.client("stepfunctions")
    assert outcome["states"] == states_entered(sfn, outcome["executionArn"])
    for state in ("Ensure application exists", "Wait out the run window", "Check stop progress", "Done"):
        assert state in outcome["states"]
    # AND the cost model's walk of the same ASL, at the local poll (1 s) and transition times (0.5 s), agrees
    definition = load_definition(ROOT / "statemachines" / "lifecycle.asl.json")
    assert len(outcome["states"]) == transitions(definition, "run", poll_seconds=1, start_seconds=0.5, stop_seconds=0.5)


def test_run_no_follow_prints_arn_then_follow_and_list_find_it(cloud: Cloud, deployment: LocalDeployment) -> None:
    # WHEN a start is launched without following
    started = fanout("run", *STACK, "--action", "start", "--no-follow")
    # THEN the ARN and the command to follow it are printed
    assert started.exit_code == 0, started.output
    said = " ".join(started.stdout.split())
    arn = said.split("started ")[1].split()[0]
    assert f"fanout executions follow {arn}" in said
    # WHEN it is followed by its name, for people
    followed = fanout("executions", "follow", arn.rsplit(":", 1)[1], *STACK, "--poll", "0.1")
    # THEN the states are printed as they are entered and the exit code is the outcome
    assert followed.exit_code == 0, followed.output
    assert "state    Start application" in followed.stdout and "SUCCEEDED" in followed.stdout
    # AND the list shows it
    listed = fanout("executions", "list", *STACK, "--json")
    [item] = json.loads(listed.stdout)
    assert item["executionArn"] == arn
    assert datetime.fromisoformat(item["startDate"]).tzinfo is not None and "T" in item["startDate"]
    assert cloud.flink.describe(deployment.outputs["ApplicationName"]).status == "RUNNING"


def test_run_failed_start_exits_13_with_the_error(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN the application's next start fails (it returns to READY)
    fanout("app", "create", *STACK)
    cloud.flink.faults.fail_next_start("the job did not start")
    # WHEN a start execution is followed
    result = fanout("run", *STACK, "--action", "start", "--poll", "0.1")
    # THEN the execution FAILED, exit 13, with the lifecycle's error name
    assert result.exit_code == ExitCode.EXECUTION_FAILED, result.output
    assert "FAILED" in result.stdout and "OperationFailedError" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", "8 hours"], "8h, 30m"),
        (["--duration", "0s"], "at least"),
        (["--action", "stop", "--duration", "1h"], "--action run only"),
    ],
)
def test_run_bad_duration_is_usage_error_exit_2(args: list[str], message: str) -> None:
    # WHEN the duration is malformed or given to another action (no AWS call is made)
    result = runner.invoke(app, ["run", *STACK, *args])
    # THEN Typer's usage error, exit 2, says why
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_follow_ctrl_c_detaches_and_prints_how_to_follow_again(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a follow interrupted by Ctrl-C
    class Interrupted:
        def describe_execution(self, executionArn: str) -> dict[str, Any]:
            raise KeyboardInterrupt

    # WHEN following, THEN it exits 130 and says the execution goes on, with the command to follow it again
    with pytest.raises(typer.Exit) as exited:
        _follow_or_detach(Interrupted(), "arn:aws:states:r:1:execution:sm:x", poll=0.1, timeout=5, as_json=False)
    assert exited.value.exit_code == ExitCode.INTERRUPTED
    assert "fanout executions follow arn:aws:states:r:1:execution:sm:x" in capsys.readouterr().out
