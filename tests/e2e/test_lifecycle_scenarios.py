"""Failure and concurrency scenarios of the lifecycle, through the real ASL and the real handlers."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from fanout.localcloud.deploy import LocalDeployment
from tests.conftest import Cloud, set_function_env, start
from tests.support import history, states_entered, wait_for_execution

APP = "fanout-fanout"


def test_start_that_fails_and_returns_to_ready_fails_the_execution(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN the next start of the application fails and it returns to READY
    cloud.flink.faults.fail_next_start("Run python process failed")
    sfn = cloud.client("stepfunctions")
    # WHEN a run execution starts it
    arn = start(cloud, deployment, "run-failing-start", {"action": "run", "duration": "PT1S"})
    result = wait_for_execution(sfn, arn)
    # THEN the execution fails with the operation's error, after notifying
    assert result["status"] == "FAILED"
    assert result["error"] == "OperationFailedError"
    assert "Run python process failed" in result["cause"]
    entered = states_entered(sfn, arn)
    assert entered[-3:] == ["Check start progress", "Notify failure", "Lifecycle failed"]
    assert "Wait out the run window" not in entered
    assert cloud.flink.describe(APP).status == "READY"


def test_resource_in_use_on_start_is_retried_then_succeeds(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN StartApplication answers ResourceInUseException once
    cloud.flink.faults.fail_api("StartApplication", "ResourceInUseException")
    sfn = cloud.client("stepfunctions")
    # WHEN a start execution runs
    arn = start(cloud, deployment, "start-busy", {"action": "start"})
    result = wait_for_execution(sfn, arn)
    # THEN the task failed once with ApplicationBusyError, was retried, and the execution succeeded
    assert result["status"] == "SUCCEEDED", result.get("cause")
    failures = [e for e in history(sfn, arn) if e["type"] in ("TaskFailed", "LambdaFunctionFailed")]
    assert len(failures) == 1
    details = failures[0].get("taskFailedEventDetails") or failures[0].get("lambdaFunctionFailedEventDetails")
    assert details["error"] == "ApplicationBusyError"
    assert states_entered(sfn, arn)[-1] == "Done"
    assert cloud.flink.describe(APP).status == "RUNNING"


def test_stuck_starting_is_force_stopped_at_the_ceiling(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN a start that never leaves STARTING and a 2 second ceiling
    cloud.flink.faults.hang_next("start")
    set_function_env(deployment, TRANSITION_CEILING_SECONDS="2")
    sfn = cloud.client("stepfunctions")
    # WHEN a run execution starts the application
    arn = start(cloud, deployment, "run-stuck", {"action": "run", "duration": "PT1S"})
    result = wait_for_execution(sfn, arn)
    # THEN it is force-stopped, reported, and the execution fails as timed out
    assert result["status"] == "FAILED"
    assert result["error"] == "TransitionTimedOutError"
    assert "STARTING" in result["cause"]
    entered = states_entered(sfn, arn)
    assert entered.count("Check start progress") >= 2
    assert entered[-4:] == [
        "Force stop stuck application",
        "Record stuck transition",
        "Notify failure",
        "Lifecycle failed",
    ]
    output_state = cloud.flink.describe(APP)
    assert output_state.status in {"FORCE_STOPPING", "READY"}
    assert not output_state.snapshots  # a forced stop takes no snapshot


def test_application_deleted_behind_our_back_is_recreated(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN a first window ran, then somebody deleted the application outside the lifecycle
    sfn = cloud.client("stepfunctions")
    first = start(cloud, deployment, "run-a", {"action": "run", "duration": "PT1S"})
    assert wait_for_execution(sfn, first)["status"] == "SUCCEEDED"
    kda = cloud.client("kinesisanalyticsv2")
    created = kda.describe_application(ApplicationName=APP)["ApplicationDetail"]["CreateTimestamp"]
    kda.delete_application(ApplicationName=APP, CreateTimestamp=created)
    time.sleep(0.5)
    # WHEN the next window runs
    second = start(cloud, deployment, "run-b", {"action": "run", "duration": "PT1S"})
    result = wait_for_execution(sfn, second)
    # THEN the application is created again and the window completes
    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert json.loads(result["output"])["application"]["action"] == "created"
    assert cloud.flink.describe(APP).status == "READY"


def test_second_overlapping_execution_sees_the_first_and_exits(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN a run execution in its window
    sfn = cloud.client("stepfunctions")
    first = start(cloud, deployment, "run-owner", {"action": "run", "duration": "PT4S"})
    time.sleep(1.0)
    # WHEN a second execution starts while the first is still running
    second = start(cloud, deployment, "stop-intruder", {"action": "stop"})
    second_result = wait_for_execution(sfn, second)
    # THEN the second one exits cleanly without touching the application
    assert second_result["status"] == "SUCCEEDED"
    entered = states_entered(sfn, second)
    assert entered[-1] == "Skip: another execution is in charge"
    assert "Stop application" not in entered
    assert json.loads(second_result["output"])["request"]["blockedBy"] == first
    # AND the first one completes its window normally
    first_result = wait_for_execution(sfn, first)
    assert first_result["status"] == "SUCCEEDED", first_result.get("cause")
    assert "Stop application" in states_entered(sfn, first)


def test_next_window_resumes_from_the_latest_snapshot(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN a first window that ended with a snapshot
    sfn = cloud.client("stepfunctions")
    assert (
        wait_for_execution(sfn, start(cloud, deployment, "w1", {"action": "run", "duration": "PT1S"}))["status"]
        == "SUCCEEDED"
    )
    snapshot = cloud.flink.describe(APP).snapshots[-1]
    # WHEN the application starts again
    arn = start(cloud, deployment, "w2", {"action": "start"})
    result = wait_for_execution(sfn, arn)
    # THEN it restores explicitly from that snapshot
    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert json.loads(result["output"])["operation"]["restoreType"] == "RESTORE_FROM_LATEST_SNAPSHOT"
    app = cloud.flink.describe(APP)
    assert app.restore_type == "RESTORE_FROM_LATEST_SNAPSHOT"
    assert app.restored_from is snapshot


def test_start_then_stop_then_delete_actions(cloud: Cloud, deployment: LocalDeployment) -> None:
    sfn = cloud.client("stepfunctions")
    # GIVEN/WHEN start: the application is created and RUNNING, and the execution ends there
    started = wait_for_execution(sfn, start(cloud, deployment, "a-start", {"action": "start"}))
    assert started["status"] == "SUCCEEDED"
    assert cloud.flink.describe(APP).status == "RUNNING"
    # WHEN start again: a no-op that skips the wait
    again = start(cloud, deployment, "a-start-again", {"action": "start"})
    assert wait_for_execution(sfn, again)["status"] == "SUCCEEDED"
    assert "Wait for RUNNING" not in states_entered(sfn, again)
    # WHEN stop: READY with a snapshot
    stopped = start(cloud, deployment, "a-stop", {"action": "stop"})
    assert wait_for_execution(sfn, stopped)["status"] == "SUCCEEDED"
    assert "Check stop progress" in states_entered(sfn, stopped)
    assert cloud.flink.describe(APP).status == "READY"
    # WHEN delete: gone, after waiting for the deletion
    deleted = start(cloud, deployment, "a-delete", {"action": "delete"})
    assert wait_for_execution(sfn, deleted)["status"] == "SUCCEEDED"
    assert "Check delete progress" in states_entered(sfn, deleted)
    assert cloud.flink.applications() == []
    # WHEN delete again: the missing application is a no-op
    again_deleted = start(cloud, deployment, "a-delete-again", {"action": "delete"})
    assert wait_for_execution(sfn, again_deleted)["status"] == "SUCCEEDED"
    assert states_entered(sfn, again_deleted)[-2:] == ["Anything to wait for?", "Done"]


def test_delete_of_a_running_application_stops_it_first(cloud: Cloud, deployment: LocalDeployment) -> None:
    sfn = cloud.client("stepfunctions")
    assert wait_for_execution(sfn, start(cloud, deployment, "d-start", {"action": "start"}))["status"] == "SUCCEEDED"
    arn = start(cloud, deployment, "d-delete", {"action": "delete"})
    assert wait_for_execution(sfn, arn)["status"] == "SUCCEEDED"
    entered = states_entered(sfn, arn)
    assert (
        entered.index("Stop application") < entered.index("Check stop progress") < entered.index("Delete application")
    )
    assert cloud.flink.applications() == []


def test_bad_inputs_fail_with_named_errors(cloud: Cloud, deployment: LocalDeployment) -> None:
    sfn = cloud.client("stepfunctions")
    cases = {
        "bad-action": {"action": "explode"},
        "bad-duration": {"action": "run", "duration": "8 hours"},
        "duration-on-stop": {"action": "stop", "duration": "PT1H"},
        "unknown-field": {"action": "run", "durration": "PT1H"},
    }
    arns = {name: start(cloud, deployment, name, payload) for name, payload in cases.items()}
    for name, arn in arns.items():
        result = wait_for_execution(sfn, arn)
        assert result["status"] == "FAILED", name
        assert result["error"] == "InvalidRequestError", name
        assert states_entered(sfn, arn) == ["Validate request", "Notify failure", "Lifecycle failed"], name


def test_failure_notification_is_published(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN a queue subscribed to the failure topic
    sqs, sns = cloud.client("sqs"), cloud.client("sns")
    queue_url = sqs.create_queue(QueueName="failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=deployment.outputs["FailureTopicArn"], Protocol="sqs", Endpoint=queue_arn)
    # WHEN an execution fails
    arn = start(cloud, deployment, "notify", {"action": "nope"})
    wait_for_execution(cloud.client("stepfunctions"), arn)
    # THEN the notification carries the error
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
    assert messages
    body = json.loads(json.loads(messages[0]["Body"])["Message"])
    assert body["error"]["Error"] == "InvalidRequestError"


def test_executions_run_concurrently_in_threads_without_interference(cloud: Cloud, deployment: LocalDeployment) -> None:
    # A smoke check that two quick executions started from two threads both end (no deadlock in the runtime).
    sfn = cloud.client("stepfunctions")
    arns: list[str] = []
    threads = [
        threading.Thread(target=lambda n=n: arns.append(start(cloud, deployment, n, {"action": "stop"})))
        for n in ("t1", "t2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert {wait_for_execution(sfn, a)["status"] for a in arns} == {"SUCCEEDED"}


def test_maintenance_at_stop_time_is_waited_out_then_the_stop_goes_ahead(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN a RUNNING application that AWS puts in MAINTENANCE for 3 s just as a stop is asked
    sfn = cloud.client("stepfunctions")
    assert wait_for_execution(sfn, start(cloud, deployment, "m-start", {"action": "start"}))["status"] == "SUCCEEDED"
    cloud.flink.begin_maintenance(APP, 3.0)
    # WHEN the stop execution runs (it failed at once with UnexpectedApplicationStatusError, leaving the
    # application RUNNING and billed once the maintenance ended)
    arn = start(cloud, deployment, "m-stop", {"action": "stop"})
    result = wait_for_execution(sfn, arn)
    # THEN it waited for the maintenance to end, stopped with a snapshot, and succeeded
    assert result["status"] == "SUCCEEDED", result.get("cause")
    entered = states_entered(sfn, arn)
    assert "Wait for a stoppable status" in entered
    assert entered.count("Stop application") >= 2
    assert cloud.flink.describe(APP).status == "READY"
    assert cloud.flink.describe(APP).snapshots


def test_maintenance_past_the_ceiling_fails_the_stop_with_a_notification(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN a RUNNING application in MAINTENANCE for longer than the 2 s ceiling
    sfn = cloud.client("stepfunctions")
    assert wait_for_execution(sfn, start(cloud, deployment, "c-start", {"action": "start"}))["status"] == "SUCCEEDED"
    set_function_env(deployment, TRANSITION_CEILING_SECONDS="2")
    cloud.flink.begin_maintenance(APP, 60.0)
    # WHEN the stop execution runs
    arn = start(cloud, deployment, "c-stop", {"action": "stop"})
    result = wait_for_execution(sfn, arn)
    # THEN it gave up at the ceiling, tried the forced stop, notified, and failed as timed out
    assert result["status"] == "FAILED"
    assert result["error"] == "TransitionTimedOutError"
    assert "MAINTENANCE" in result["cause"]
    entered = states_entered(sfn, arn)
    assert "Wait for a stoppable status" in entered
    assert entered[-3:] == ["Force stop after a deferred stop", "Notify failure", "Lifecycle failed"]


def _window_seconds(sfn: Any, arn: str) -> float:
    """How long the execution stayed in "Wait out the run window", from its history."""
    events = history(sfn, arn)
    entered = next(e for e in events if e.get("stateEnteredEventDetails", {}).get("name") == "Wait out the run window")
    exited = next(e for e in events if e.get("stateExitedEventDetails", {}).get("name") == "Wait out the run window")
    return float((exited["timestamp"] - entered["timestamp"]).total_seconds())


def test_the_run_window_lasts_its_duration_not_the_poll_interval(cloud: Cloud, deployment: LocalDeployment) -> None:
    # GIVEN a 1 s poll interval and a 4 s window (every run test used a window equal to the poll interval, so a
    # Wait that read the interval would have passed them all)
    sfn = cloud.client("stepfunctions")
    # WHEN a run execution runs
    arn = start(cloud, deployment, "long-window", {"action": "run", "duration": "PT4S"})
    assert wait_for_execution(sfn, arn)["status"] == "SUCCEEDED"
    # THEN the window lasted the duration asked, not one poll
    assert 4.0 <= _window_seconds(sfn, arn) < 8.0


def test_a_start_restores_the_newest_of_several_snapshots_with_an_explicit_configuration(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN three windows, each ending with a snapshot (resume was tested with one snapshot only)
    sfn = cloud.client("stepfunctions")
    for index in range(3):
        arn = start(cloud, deployment, f"several-{index}", {"action": "run", "duration": "PT1S"})
        assert wait_for_execution(sfn, arn)["status"] == "SUCCEEDED"
    snapshots = cloud.flink.describe(APP).snapshots
    assert len(snapshots) == 3
    # WHEN the application starts again
    assert (
        wait_for_execution(sfn, start(cloud, deployment, "several-start", {"action": "start"}))["status"] == "SUCCEEDED"
    )
    # THEN it restores the newest one, and the request said so explicitly, refusing to drop state
    app = cloud.flink.describe(APP)
    newest = max(snapshots, key=lambda snap: snap.created)
    assert app.restored_from is newest and app.restored_from is not snapshots[0]
    assert app.run_configuration["ApplicationRestoreConfiguration"] == {
        "ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"
    }
    assert app.run_configuration["FlinkRunConfiguration"] == {"AllowNonRestoredState": False}


def test_a_stop_whose_operation_fails_fails_the_execution_at_once_with_its_cause(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN a RUNNING application whose next stop fails (the operation FAILED, the application stays RUNNING)
    sfn = cloud.client("stepfunctions")
    assert wait_for_execution(sfn, start(cloud, deployment, "fs-start", {"action": "start"}))["status"] == "SUCCEEDED"
    cloud.flink.faults.fail_next_stop("Snapshot creation failed")
    # WHEN the stop execution runs
    arn = start(cloud, deployment, "fs-stop", {"action": "stop"})
    result = wait_for_execution(sfn, arn)
    # THEN it fails with the operation's cause and notifies, without waiting out the ceiling or forcing a stop
    assert result["status"] == "FAILED"
    assert result["error"] == "OperationFailedError"
    assert "Snapshot creation failed" in result["cause"]
    entered = states_entered(sfn, arn)
    assert entered[-3:] == ["Check stop progress", "Notify failure", "Lifecycle failed"]
    assert "Force stop stuck application" not in entered
    assert cloud.flink.describe(APP).status == "RUNNING"


def test_an_application_deleted_during_its_window_fails_the_run_and_notifies(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN a run whose application somebody deletes (force-stopped, then deleted) while its window runs
    sfn = cloud.client("stepfunctions")
    arn = start(cloud, deployment, "vanish", {"action": "run", "duration": "PT4S"})
    deadline = time.monotonic() + 30
    while "Wait out the run window" not in states_entered(sfn, arn):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    kda = cloud.client("kinesisanalyticsv2")
    kda.stop_application(ApplicationName=APP, Force=True)
    while cloud.flink.describe(APP).status != "READY":
        time.sleep(0.1)
    created = kda.describe_application(ApplicationName=APP)["ApplicationDetail"]["CreateTimestamp"]
    kda.delete_application(ApplicationName=APP, CreateTimestamp=created)
    # WHEN the window ends (the stop found nothing, took that for done, and the run SUCCEEDED silently)
    result = wait_for_execution(sfn, arn)
    # THEN the run fails with a named error, after notifying
    assert result["status"] == "FAILED"
    assert result["error"] == "ApplicationVanishedError"
    assert states_entered(sfn, arn)[-3:] == ["Stop application", "Notify failure", "Lifecycle failed"]
