"""`fanout cost` against a deployed stack's parameters (moto's CloudFormation)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from fanout.cli import _register, app, main
from fanout.cli.errors import ExitCode
from tests.conftest import Cloud

runner = CliRunner()


@pytest.fixture(autouse=True)
def _cli() -> None:
    _register()


_TEMPLATE = {
    "Parameters": {"InputShardCount": {"Type": "Number"}, "RunDuration": {"Type": "String"}},
    "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
}


def _estimate(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["cost", "--json", *args])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def _shards(estimate: dict[str, Any]) -> float:
    [line] = [line for line in estimate["scheduled"]["lines"] if line["item"] == "Kinesis shard-hours"]
    return float(line["quantity"]) / 730


def test_cost_with_stack_prices_the_deployed_parameters_and_flags_still_win(cloud: Cloud) -> None:
    # GIVEN a stack deployed with 4 input shards and 4-hour windows (the template defaults are 1 and 8 h)
    cloud.client("cloudformation").create_stack(
        StackName="priced",
        TemplateBody=json.dumps(_TEMPLATE),
        Parameters=[
            {"ParameterKey": "InputShardCount", "ParameterValue": "4"},
            {"ParameterKey": "RunDuration", "ParameterValue": "PT4H"},
        ],
    )
    # WHEN it is priced from the stack, and from the stack with a flag
    deployed = _estimate("--stack", "priced")
    flagged = _estimate("--stack", "priced", "--input-shards", "2")
    defaults = _estimate()
    # THEN the stack's values replace the template's defaults, and an explicit flag beats both
    assert (deployed["window_hours"], _shards(deployed)) == (4.0, 4 + 3)
    assert _shards(flagged) == 2 + 3
    assert (defaults["window_hours"], _shards(defaults)) == (8.0, 1 + 3)


def test_cost_with_an_unknown_stack_exits_5(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN/WHEN a stack that does not exist is priced
    with pytest.raises(SystemExit) as exited:
        main(["cost", "--stack", "nope"])
    # THEN it is the named stack-not-found error, in one line
    assert exited.value.code == ExitCode.STACK_NOT_FOUND
    assert "stack 'nope' not found" in capsys.readouterr().err


def test_cost_with_a_rate_prices_the_router_and_the_crossover() -> None:
    # GIVEN the template's defaults and 1,000 records/s WHEN priced for the Lambda engine
    estimate = _estimate("--engine", "lambda", "--rate", "1000")
    engines = estimate["engines"]
    # THEN the router's month is far below always-on Flink's, and the crossovers are ordered
    assert estimate["engine"] == "lambda" and 0 < engines["router"]["total"] < estimate["always_on"]["total"]
    crossover = engines["crossover"]
    assert 1000 < crossover["scheduledFlink"] < crossover["alwaysOnFlink"]
    # AND a larger record costs more CPU
    assert (
        _estimate("--rate", "1000", "--record-bytes", "1000")["engines"]["router"]["total"] > engines["router"]["total"]
    )


def test_cost_lambda_engine_without_a_rate_is_a_named_error(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN --engine lambda and no rate WHEN run THEN a named error says what is missing, in one line
    with pytest.raises(SystemExit) as exited:
        main(["cost", "--engine", "lambda"])
    err = capsys.readouterr().err
    assert exited.value.code != 0 and "--engine lambda needs --rate" in err and "Traceback" not in err
