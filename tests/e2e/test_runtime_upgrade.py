"""The in-place runtime upgrade as a user runs it: `fanout` processes against the offline runtime, which routes
with a running 1.20 job, is moved to 2.2 with `fanout app upgrade`, and (when the 2.2 job cannot run) is rolled
back and the failure notified, with every record routed once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fanout.cli.errors import ExitCode
from fanout.localcloud.session import LocalSession
from fanout.runtimes import FLINK_1_20, FLINK_2_2
from tests.e2e.harness import Harness
from tests.e2e.test_cli_ops_offline import as_json, fanout


@pytest.fixture
def harness(aws_credentials: None) -> Iterator[Harness]:
    h = Harness().start()
    yield h
    h.rt.stop()


def _running_with_records(h: Harness, environment: dict[str, str]) -> None:
    """The application created as the lifecycle creates it, RUNNING on 1.20, and a first batch routed."""
    created = fanout(environment, "app", "create")
    assert created.returncode == 0, created.stderr
    started = fanout(environment, "app", "start", "--wait", "--poll", "0.2", "--timeout", "30")
    assert started.returncode == 0, started.stderr
    h.put(200, start_id=1)
    h.wait_delivered()
    assert h.ledger.complete()


def _publish_2_2(environment: dict[str, str]) -> dict[str, Any]:
    """`fanout artifact publish --runtime FLINK-2_2 --stand-in`: the 2.2 artifact, with a stand-in connector jar."""
    return as_json(fanout(environment, "artifact", "publish", "--runtime", FLINK_2_2, "--stand-in", "--json"))


def _failure_queue(h: Harness) -> str:
    """An SQS queue subscribed to the stack's FailureTopic: what an operator's e-mail would get."""
    sqs, sns = h.rt.client("sqs"), h.rt.client("sns")
    queue = sqs.create_queue(QueueName="operator")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=h.outputs["FailureTopicArn"], Protocol="sqs", Endpoint=arn)
    return str(queue)


def test_upgrade_moves_a_running_application_from_1_20_to_2_2_with_its_position(harness: Harness) -> None:
    h = harness
    environment = LocalSession.of(h.rt).environment
    # GIVEN an application routing on 1.20
    _running_with_records(h, environment)
    # WHEN upgraded before the 2.2 artifact is published THEN a named error says what to publish, nothing changes
    early = fanout(environment, "app", "upgrade", "--runtime", FLINK_2_2)
    assert early.returncode == ExitCode.ERROR and "ArtifactRuntimeMismatchError" in early.stderr
    assert "fanout artifact publish --runtime FLINK-2_2" in early.stderr and "Traceback" not in early.stderr
    # GIVEN the 2.2 artifact published next to the 1.20 one
    published = _publish_2_2(environment)
    assert published["build"]["runtime"] == FLINK_2_2 and published["build"]["standIn"] is True
    # WHEN checked only, THEN the plan names both runtimes and the 2.2 jar, and nothing changes
    plan = as_json(fanout(environment, "app", "upgrade", "--runtime", FLINK_2_2, "--check", "--json"))
    assert (plan["fromRuntime"], plan["toRuntime"], plan["artifactVersion"]) == (
        FLINK_1_20,
        FLINK_2_2,
        published["versionId"],
    )
    assert plan["jarFile"] == "lib/flink-sql-connector-aws-kinesis-streams-6.0.1-2.0.jar"
    assert h.rt.cloud.flink.describe(plan["application"]).runtime == FLINK_1_20
    # WHEN upgraded, watching the new job for 2 s, while records keep coming
    h.put(100, start_id=1000)
    report = as_json(
        fanout(environment, "app", "upgrade", "--runtime", FLINK_2_2, "--watch", "2", "--poll", "0.2", "--json")
    )
    h.put(100, start_id=2000)
    h.wait_delivered()
    # THEN it ran clean on 2.2, from a snapshot taken first, and every record was routed once
    assert report["outcome"] == "upgraded" and report["restarts"] == 0, report
    assert report["snapshot"].startswith("pre-upgrade-")
    app = h.rt.cloud.flink.describe(report["application"])
    assert app.runtime == FLINK_2_2 and app.status == "RUNNING"
    groups = app.property_groups()["kinesis.analytics.flink.run.options"]
    assert groups["jarfile"] == plan["jarFile"]
    job = h.rt.jobs.jobs[app.name]
    assert job.restart_metric == "numRestarts" and job.stats.records_in > 0 and job.stats.restarts == 0
    assert h.ledger.ok, h.ledger.report()
    # AND status reports the new runtime; asking again is a no-op
    assert as_json(fanout(environment, "app", "status", "--json"))["runtime"] == FLINK_2_2
    again = fanout(environment, "app", "upgrade", "--runtime", FLINK_2_2)
    assert again.returncode == 0 and "already runs FLINK-2_2" in again.stdout
    # AND going back down is refused with a named error that points at rollback
    down = fanout(environment, "app", "upgrade", "--runtime", FLINK_1_20)
    assert down.returncode == ExitCode.ERROR and "RuntimeDowngradeError" in down.stderr
    assert "fanout app rollback" in down.stderr and "Traceback" not in down.stderr


def test_a_failed_upgrade_is_rolled_back_to_1_20_and_notified(harness: Harness) -> None:
    h = harness
    environment = LocalSession.of(h.rt).environment
    queue = _failure_queue(h)
    # GIVEN an application routing on 1.20, the 2.2 artifact, and a 2.2 job that cannot restore its state
    _running_with_records(h, environment)
    _publish_2_2(environment)
    h.rt.cloud.flink.faults.fail_jobs_on(FLINK_2_2, "injected: the savepoint cannot be restored on 2.2")
    # WHEN upgraded, while records keep coming
    h.put(100, start_id=1000)
    result = fanout(environment, "app", "upgrade", "--runtime", FLINK_2_2, "--watch", "10", "--poll", "0.2")
    h.put(100, start_id=2000)
    h.wait_delivered()
    # THEN the command says it rolled back, with a named error and exit 13
    assert result.returncode == ExitCode.EXECUTION_FAILED, result.stdout + result.stderr
    assert "UpgradeRolledBackError" in result.stderr and "numRestarts" in result.stderr
    assert "Traceback" not in result.stderr
    # AND the application runs 1.20 again, on the code it had, and routes every record once
    name = h.outputs["ApplicationName"]
    app = h.rt.cloud.flink.describe(name)
    assert app.runtime == FLINK_1_20 and app.status == "RUNNING"
    assert app.property_groups()["kinesis.analytics.flink.run.options"]["jarfile"].endswith("5.1.0-1.20.jar")
    assert [job.runtime for job in h.rt.jobs.finished[name]][-1] == FLINK_2_2
    assert h.rt.jobs.jobs[name].runtime == FLINK_1_20
    assert h.ledger.ok, h.ledger.report()
    # AND the operator was told, with the reason
    messages = h.rt.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    bodies = [json.loads(json.loads(m["Body"])["Message"]) for m in messages.get("Messages", [])]
    assert [b["outcome"] for b in bodies] == ["rolled-back"]
    assert bodies[0]["fromRuntime"] == FLINK_1_20 and "restarted" in bodies[0]["reason"]
