"""The template's IAM as AWS will see it: transformed by aws-sam-translator, roles and the actions they allow.

SAM generates a role for each function that has none, and attaches managed policies to it (for a Kinesis event
it attaches AWSLambdaKinesisExecutionRole, which reads every stream of the account). Reading template text does
not show them; the transformed template does.
"""

from __future__ import annotations

import copy
import os
from functools import cache
from typing import Any

from fanout.sam.template import load_template
from tests.support import TEMPLATE

# Managed policies a role may carry, and the actions they allow (their documents, as AWS publishes them).
MANAGED_POLICIES: dict[str, frozenset[str]] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": frozenset(
        {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    ),
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": frozenset(
        {
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        }
    ),
}

# botocore service id -> IAM service prefix, where they differ
_PREFIXES = {"kinesis-analytics-v2": "kinesisanalytics", "sfn": "states", "cloudwatch-logs": "logs"}
# operations authorized by another action
# Calls authorized by an action of another name. SQS's batch calls have no IAM action of their own: SendMessage
# allows SendMessageBatch (the SQS Developer Guide, "Amazon SQS batch actions").
_ACTIONS = {
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
}


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


@cache
def transformed() -> dict[str, Any]:
    """template.yaml after the AWS::Serverless transform (local code locations replaced by S3 ones)."""
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(load_template(TEMPLATE))
    for resource in template["Resources"].values():
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://bucket/{key}"
    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        return dict(transform(template, {}, _NoManagedPolicies()))
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION")
        else:
            os.environ["AWS_DEFAULT_REGION"] = saved


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies."""
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_actions(role: dict[str, Any]) -> set[str]:
    """The actions a role allows, its managed policies' included."""
    actions = {action for statement in statements(role) for action in _listed(statement["Action"])}
    for arn in role["Properties"].get("ManagedPolicyArns", []):
        actions |= MANAGED_POLICIES.get(arn, frozenset())
    return actions


def function_roles() -> dict[str, dict[str, Any]]:
    """Per Lambda function (logical id), its role in the transformed template."""
    resources = transformed()["Resources"]
    roles = {}
    for logical, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
            roles[logical] = resources[role]
    return roles


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorizes a botocore call (``kinesis-analytics-v2``, ``DescribeApplication``)."""
    return _ACTIONS.get((service, operation), f"{_PREFIXES.get(service, service)}:{operation}")
