"""The real lifecycle ASL, executed by moto's interpreter, with its Lambda tasks run in-process."""

from __future__ import annotations

import json
import time

from fanout.localcloud.deploy import LocalDeployment
from tests.conftest import Cloud, start
from tests.support import states_entered, wait_for_execution


def test_run_happy_path_creates_starts_waits_stops_and_prunes(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN a deployed stack and no application yet
    sfn = cloud.client("stepfunctions")
    # WHEN a run execution with a 1 second window runs
    arn = start(cloud, deployment, "run-1", {"action": "run", "duration": "PT1S"})
    result = wait_for_execution(sfn, arn)
    # THEN it succeeds after going through create, start, the window, stop and prune
    assert result["status"] == "SUCCEEDED", result.get("cause")
    entered = states_entered(sfn, arn)
    assert entered[:4] == [
        "Validate request",
        "Another execution in charge?",
        "Route by action",
        "Ensure application exists",
    ]
    for state in (
        "Start application",
        "Check start progress",
        "Wait out the run window",
        "Stop application",
        "Check stop progress",
        "Prune old snapshots",
        "Done",
    ):
        assert state in entered
    output = json.loads(result["output"])
    assert output["application"]["action"] == "created"
    assert output["operation"]["action"] == "stopped"
    # AND the application is READY with one snapshot to resume from
    app = cloud.flink.describe("fanout-fanout")
    assert app.status == "READY"
    assert len(app.snapshots) == 1


def test_run_arms_the_stopped_application_alarm_only_inside_the_window(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN a deployed stack: the stopped-application alarm exists with its actions off
    sfn, cloudwatch = cloud.client("stepfunctions"), cloud.client("cloudwatch")
    name = deployment.outputs["ApplicationStoppedAlarmName"]

    def armed() -> bool:
        return bool(cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["ActionsEnabled"])

    assert not armed()
    # WHEN a run window executes
    arn = start(cloud, deployment, "run-alarm", {"action": "run", "duration": "PT3S"})
    # THEN inside the window (the application RUNNING) the alarm's actions are on
    deadline = time.monotonic() + 30
    while "Wait out the run window" not in states_entered(sfn, arn) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cloud.flink.describe("fanout-fanout").status == "RUNNING"
    assert armed()
    # AND after the window they are off again, armed after RUNNING and disarmed before the stop
    result = wait_for_execution(sfn, arn)
    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert not armed()
    entered = states_entered(sfn, arn)
    arm, disarm = "Arm the stopped-application alarm", "Disarm the stopped-application alarm"
    assert entered.index("Check start progress") < entered.index(arm) < entered.index("Wait out the run window")
    assert entered.index("Wait out the run window") < entered.index(disarm) < entered.index("Stop application")
    assert "alarmError" not in json.loads(result["output"])
