"""Least privilege, read from the transformed template: what SAM generates is checked too."""

from __future__ import annotations

import pytest

from tests.iam import MANAGED_POLICIES, function_roles, role_actions, statements, transformed

pytestmark = pytest.mark.static

# What each function's handler calls (the e2e suite checks every call it makes against these roles).
LIFECYCLE_ACTIONS = {
    "ValidateRequestFunction": {"states:ListExecutions", "states:DescribeExecution"},
    "EnsureApplicationFunction": {
        "kinesisanalytics:DescribeApplication",
        "kinesisanalytics:CreateApplication",
        "kinesisanalytics:UpdateApplication",
        "kinesisanalytics:TagResource",
        "iam:PassRole",
        "s3:GetObject",
        "s3:ListBucket",
        "ssm:GetParameter",
    },
    "StartApplicationFunction": {
        "kinesisanalytics:DescribeApplication",
        "kinesisanalytics:ListApplicationSnapshots",
        "kinesisanalytics:StartApplication",
    },
    "StopApplicationFunction": {"kinesisanalytics:DescribeApplication", "kinesisanalytics:StopApplication"},
    "CheckProgressFunction": {"kinesisanalytics:DescribeApplication", "kinesisanalytics:DescribeApplicationOperation"},
    "DeleteApplicationFunction": {
        "kinesisanalytics:DescribeApplication",
        "kinesisanalytics:DescribeApplicationOperation",
        "kinesisanalytics:DeleteApplication",
    },
    "PruneSnapshotsFunction": {
        "kinesisanalytics:ListApplicationSnapshots",
        "kinesisanalytics:DeleteApplicationSnapshot",
    },
    "RecordResumePositionFunction": {"ssm:PutParameter"},
}
# Actions AWS offers no resource-level permission for: the only ones allowed on "*".
UNSCOPED = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    # a state machine's log delivery (SAM's own statement for Logging)
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def _roles() -> dict[str, dict]:
    return {k: v for k, v in transformed()["Resources"].items() if v["Type"] == "AWS::IAM::Role"}


def test_every_function_has_a_role_of_its_own() -> None:
    # GIVEN the transformed template WHEN each function's role is looked up THEN no two functions share one
    roles = function_roles()
    assert len(roles) == 12
    assert len({id(role) for role in roles.values()}) == len(roles)


def test_no_role_carries_a_managed_policy_beyond_logs_and_traces() -> None:
    # GIVEN every role SAM generates or the template declares
    for logical, role in _roles().items():
        # THEN its managed policies are the basic execution (logs) and X-Ray write ones only: never
        # AWSLambdaKinesisExecutionRole, which reads every stream of the account
        assert set(role["Properties"].get("ManagedPolicyArns", [])) <= set(MANAGED_POLICIES), logical


def test_no_statement_allows_every_action_or_every_resource_but_unscoped_actions() -> None:
    for logical, role in _roles().items():
        for statement in statements(role):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            # THEN no action is a wildcard
            assert not [a for a in actions if "*" in a and a != "kms:GenerateDataKey*"], (logical, actions)
            # AND "*" resources are only for actions that have no resource-level permission
            if statement.get("Resource") == "*":
                assert set(actions) <= UNSCOPED, (logical, actions)


@pytest.mark.parametrize("function", sorted(LIFECYCLE_ACTIONS))
def test_each_lifecycle_step_may_do_exactly_what_it_calls(function: str) -> None:
    # GIVEN a lifecycle step's role WHEN its actions are read (logs and traces aside)
    role = function_roles()[function]
    allowed = role_actions(role) - set().union(*MANAGED_POLICIES.values())
    # THEN they are the calls its handler makes, and the sending of a failed asynchronous event to the
    # functions' dead-letter queue (SAM's grant for DeadLetterQueue), nothing more
    assert allowed == LIFECYCLE_ACTIONS[function] | {"sqs:SendMessage"}
    sends = [s for s in statements(role) if "sqs:SendMessage" in str(s["Action"])]
    assert [s["Resource"] for s in sends] == [{"Fn::GetAtt": ["FunctionDeadLetterQueue", "Arn"]}]


@pytest.mark.parametrize("route", ["Positive", "Negative", "Rejected"])
def test_each_consumer_reads_only_its_own_stream(route: str) -> None:
    # GIVEN a consumer's role
    role = function_roles()[f"{route}ConsumerFunction"]
    kinesis = [s for s in statements(role) if any(str(a).startswith("kinesis:") for a in s["Action"])]
    # THEN every Kinesis grant is on its own stream
    assert kinesis and all(s["Resource"] == {"Fn::GetAtt": [f"{route}TransactionsStream", "Arn"]} for s in kinesis)


def test_the_router_reads_only_the_input_and_writes_only_the_outputs() -> None:
    # GIVEN the router's role (Engine lambda)
    role = function_roles()["RouterFunction"]
    grants = {
        action: statement["Resource"]
        for statement in statements(role)
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if action.startswith("kinesis:")
    }
    # THEN it reads the input stream only, and puts records (nothing else) to the three output streams only
    outputs = [{"Fn::GetAtt": [f"{route}TransactionsStream", "Arn"]} for route in ("Positive", "Negative", "Rejected")]
    assert grants.pop("kinesis:PutRecords") == outputs
    assert grants and all(resource == {"Fn::GetAtt": ["TransactionsStream", "Arn"]} for resource in grants.values())
    assert not any(action.startswith("kinesis:Put") for action in grants)
