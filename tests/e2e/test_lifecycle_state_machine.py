"""The real lifecycle ASL, executed by moto's interpreter, with its Lambda tasks run in-process."""

from __future__ import annotations

import json

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
