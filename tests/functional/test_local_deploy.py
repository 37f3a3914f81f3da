"""The offline deploy of template.yaml: what it creates, and what it refuses or names as not emulated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fanout.localcloud.deploy import LocalDeployment, deploy
from fanout.localcloud.exceptions import UnsupportedTemplateError
from tests.conftest import Cloud
from tests.support import ROOT

TEMPLATE = ROOT / "template.yaml"


def _template_copy(tmp_path: Path, function_properties: dict[str, object]) -> Path:
    """template.yaml beside links to the project's code, with extra properties on the positive consumer."""
    text = TEMPLATE.read_text()
    header = "  PositiveConsumerFunction:\n    Type: AWS::Serverless::Function\n"
    assert header in text, "the template's positive consumer moved: update this test"
    start = text.index(header)
    marker = text[start : text.index("    Properties:\n", start) + len("    Properties:\n")]
    lines = "".join(
        f"      {key}: {yaml.safe_dump(value, default_flow_style=True).strip()}\n"
        for key, value in function_properties.items()
    )
    for folder in ("functions", "statemachines", "src"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    copy = tmp_path / "template.yaml"
    copy.write_text(text.replace(marker, marker + lines, 1))
    return copy


def test_the_templates_function_properties_are_applied_or_named_as_not_emulated(
    deployment: LocalDeployment,
) -> None:
    # GIVEN/WHEN template.yaml deployed offline
    # THEN the function properties without a local effect are named, with their reason
    lines = deployment.not_emulated_by_reason()
    assert any(line.startswith("X-Ray tracing is off offline") for line in lines)
    assert any(line.startswith("LoggingConfig of 11 functions (function property)") for line in deployment.not_emulated)


@pytest.mark.parametrize(
    "extra, named",
    [
        ({"SnapStart": {"ApplyOn": "PublishedVersions"}}, "SnapStart"),
        ({"ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 1}}, "ProvisionedConcurrencyConfig"),
    ],
)
def test_a_function_property_the_runtime_does_not_know_is_an_error_not_skipped(
    cloud: Cloud, tmp_path: Path, extra: dict[str, object], named: str
) -> None:
    # GIVEN template.yaml with a function property the offline runtime does not implement
    template = _template_copy(tmp_path, extra)
    # WHEN it is deployed offline
    # THEN the deploy fails naming the function and the property, instead of ignoring it
    with pytest.raises(UnsupportedTemplateError, match=f"PositiveConsumerFunction: property {named}"):
        deploy(cloud.client, template, stack_name="fanout", region=cloud.region)


def test_the_operations_dashboard_is_deployed_with_every_panel_and_its_url_is_an_output(
    cloud: Cloud, deployment: LocalDeployment
) -> None:
    # GIVEN the deployed stack WHEN its dashboard is read back
    name = deployment.stack.refs["OperationsDashboard"]
    body = json.loads(cloud.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    metrics = {(m[0], m[1]) for w in body["widgets"] for m in w["properties"]["metrics"]}
    # THEN it shows records per route, iterator age, uptime/downtime/restarts, executions by status and DLQs
    wanted = {
        ("AWS/Kinesis", "IncomingRecords"),
        ("AWS/Lambda", "IteratorAge"),
        ("AWS/KinesisAnalytics", "uptime"),
        ("AWS/KinesisAnalytics", "downtime"),
        ("AWS/KinesisAnalytics", "fullRestarts"),
        ("AWS/KinesisAnalytics", "numRestarts"),  # what Flink 2.2 publishes in place of fullRestarts
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    }
    assert wanted <= metrics
    streams = {m[3] for w in body["widgets"] for m in w["properties"]["metrics"] if m[0] == "AWS/Kinesis"}
    assert streams == {deployment.outputs[key] for key in deployment.outputs if key.endswith("TransactionsStreamName")}
    assert "${" not in json.dumps(body)


def test_the_lambda_engines_dashboard_shows_the_router_instead_of_flink(cloud: Cloud) -> None:
    # GIVEN the stack deployed with the Lambda engine
    deployment = deploy(
        cloud.client, TEMPLATE, stack_name="fanout", region=cloud.region, parameters={"Engine": "lambda"}
    )
    # WHEN its dashboard is read back
    name = deployment.stack.refs["OperationsDashboard"]
    body = json.loads(cloud.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    # THEN it shows the router's invocations, errors, throttles, duration, iterator age and dead-letter queue
    router = deployment.stack.refs["RouterFunction"]
    shown = {m[1] for m in metrics if m[0] == "AWS/Lambda" and m[3] == router}
    assert shown == {"Invocations", "Errors", "Throttles", "Duration", "IteratorAge"}
    queues = {m[3] for m in metrics if m[0] == "AWS/SQS"}
    assert deployment.outputs["RouterDeadLetterQueueUrl"].rsplit("/", 1)[1] in queues
    # AND nothing of Flink or the lifecycle, which this engine does not deploy (nor their schedules' queue)
    assert not {m[0] for m in metrics} & {"AWS/KinesisAnalytics", "AWS/States"}
    assert (
        "ScheduleDeadLetterQueueUrl" not in deployment.outputs
        and "ScheduleDeadLetterQueue" not in deployment.stack.refs
    )
    assert "${" not in json.dumps(body)
    assert deployment.outputs["DashboardUrl"].endswith(f"#dashboards:name={name}")
