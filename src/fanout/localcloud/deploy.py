"""Create the template's resources in the local cloud, from template.yaml itself.

moto's CloudFormation ignores the SAM transform, so each resource type is created here with the
service's own API. A resource type that is not listed is an UnsupportedTemplateError; types that are
accepted but do nothing offline (alarms, schedules, e-mail subscriptions) are reported, not hidden.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fanout import env
from fanout.localcloud import moto_ext
from fanout.localcloud.exceptions import UnsupportedTemplateError
from fanout.sam.template import Stack, load_template


@functools.cache
def _dummy_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.txt", "Code runs in-process from the project tree; see fanout.localcloud.")
    return buf.getvalue()


@dataclass
class EventSource:
    """A Kinesis event source mapping of a function, as the template declares it."""

    stream_arn: str
    batch_size: int = 100
    batching_window_seconds: int = 0
    starting_position: str = "TRIM_HORIZON"
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1
    report_batch_item_failures: bool = False
    on_failure_arn: str | None = None


@dataclass
class LocalFunction:
    """A function created in the local cloud."""

    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    event_sources: list[EventSource] = field(default_factory=list)


ROUTER = "router"
"""The route label of the Lambda engine's router function (it consumes the input stream, not an output)."""


@dataclass
class LocalDeployment:
    """What a deploy created: the resolved stack, its outputs, functions and what is not emulated."""

    stack: Stack
    outputs: dict[str, str]
    functions: dict[str, LocalFunction]
    state_machines: dict[str, str]
    not_emulated: list[str]

    def routes(self) -> dict[str, str]:
        """Function name -> the route it consumes: its CONSUMER_ROUTE, ROUTER for the router ("?" otherwise)."""
        return {
            f.name: ROUTER if f.logical_id == "RouterFunction" else f.environment.get(env.CONSUMER_ROUTE, "?")
            for f in self.functions.values()
        }

    def not_emulated_by_reason(self) -> list[str]:
        """One line per reason: ``reason: Logical1, Logical2`` (what was deployed without a local effect)."""
        grouped: dict[str, list[str]] = {}
        for line in self.not_emulated:
            resource, reason = line.split(": ", 1)
            grouped.setdefault(reason, []).append(resource.split(" (", 1)[0])
        return [f"{reason}: {', '.join(names)}" for reason, names in grouped.items()]


def _name(stack: Stack, logical: str, props: Mapping[str, Any], key: str, limit: int = 64) -> str:
    if key in props:
        return str(stack.resolve(props[key]))
    return f"{stack.name}-{logical}"[:limit]


def _naming(stack: Stack, logical: str, resource: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    kind = resource["Type"]
    props = resource.get("Properties") or {}
    region, account = stack.region, stack.account
    if kind == "AWS::Kinesis::Stream":
        name = _name(stack, logical, props, "Name", 128)
        return name, {"Arn": f"arn:aws:kinesis:{region}:{account}:stream/{name}"}
    if kind == "AWS::S3::Bucket":
        name = re.sub(r"[^a-z0-9-]", "-", f"{stack.name}-{logical}".lower())[:63]
        return name, {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}
    if kind == "AWS::Logs::LogGroup":
        name = _name(stack, logical, props, "LogGroupName", 512)
        return name, {"Arn": f"arn:aws:logs:{region}:{account}:log-group:{name}:*"}
    if kind == "AWS::Logs::LogStream":
        return _name(stack, logical, props, "LogStreamName", 512), {}
    if kind == "AWS::IAM::Role":
        name = f"{stack.name}-{logical}"[:64]
        return name, {"Arn": f"arn:aws:iam::{account}:role/{name}", "RoleId": name}
    if kind == "AWS::IAM::ManagedPolicy":
        name = f"{stack.name}-{logical}"[:128]
        return f"arn:aws:iam::{account}:policy/{name}", {}
    if kind == "AWS::SQS::Queue":
        name = f"{stack.name}-{logical}"[:80]
        arn = f"arn:aws:sqs:{region}:{account}:{name}"
        return f"https://sqs.{region}.amazonaws.com/{account}/{name}", {"Arn": arn, "QueueName": name}
    if kind == "AWS::SNS::Topic":
        name = f"{stack.name}-{logical}"[:256]
        return f"arn:aws:sns:{region}:{account}:{name}", {"TopicName": name}
    if kind == "AWS::Serverless::Function":
        name = _name(stack, logical, props, "FunctionName")
        return name, {"Arn": f"arn:aws:lambda:{region}:{account}:function:{name}"}
    if kind == "AWS::Serverless::StateMachine":
        name = _name(stack, logical, props, "Name", 80)
        return f"arn:aws:states:{region}:{account}:stateMachine:{name}", {"Name": name}
    if kind == "AWS::CloudWatch::Alarm":
        name = _name(stack, logical, props, "AlarmName", 255)
        return name, {"Arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"}
    if kind == "AWS::Serverless::LayerVersion":
        return f"arn:aws:lambda:{region}:{account}:layer:{stack.name}-{logical}:1", {}
    if kind == "AWS::CloudWatch::Dashboard":
        return _name(stack, logical, props, "DashboardName", 255), {}
    return f"{stack.name}-{logical}", {"Arn": f"arn:aws:local:{region}:{account}:{logical}"}


class Deployer:
    """Creates a template's resources with boto3 clients from `client(service_name)`."""

    def __init__(self, client: Callable[[str], Any], template_path: Path, stack: Stack) -> None:
        self.client = client
        self.root = Path(template_path).parent
        self.stack = stack
        self.functions: dict[str, LocalFunction] = {}
        self.state_machines: dict[str, str] = {}
        self.not_emulated: list[str] = []
        self._function_properties: dict[str, list[str]] = {}  # accepted without a local effect -> functions
        self._role_arn = ""

    def deploy(self) -> LocalDeployment:
        """Create every resource, in dependency order."""
        resources = self.stack.resources()
        for logical, resource in resources.items():
            kind = resource["Type"]
            handling = RESOURCE_TYPES.get(kind)
            if handling is None:
                raise UnsupportedTemplateError(
                    f"resource {logical} has type {kind}, which the offline runtime cannot create"
                )
            if handling.not_emulated:
                self.not_emulated.append(f"{logical} ({kind}): {handling.not_emulated}")
        self._role_arn = self._execution_role()
        for kind, handling in RESOURCE_TYPES.items():  # in dependency order
            if handling.create is None:
                continue
            for logical, resource in resources.items():
                if resource["Type"] == kind:
                    handling.create(self, logical, resource.get("Properties") or {})
        for key, functions in self._function_properties.items():
            where = functions[0] if len(functions) == 1 else f"{len(functions)} functions"
            self.not_emulated.append(f"{key} of {where} (function property): {_FUNCTION_NOT_EMULATED[key]}")
        return LocalDeployment(
            stack=self.stack,
            outputs=self.stack.outputs(),
            functions=self.functions,
            state_machines=self.state_machines,
            not_emulated=self.not_emulated,
        )

    def _execution_role(self) -> str:
        iam = self.client("iam")
        name = f"{self.stack.name}-local-execution"
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        try:
            return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
        except iam.exceptions.EntityAlreadyExistsException:
            return str(iam.get_role(RoleName=name)["Role"]["Arn"])

    # ------------------------------------------------------------- resource types
    def _role(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        iam = self.client("iam")
        name = self.stack.refs[logical]
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(resolved["AssumeRolePolicyDocument"]))
        for policy in resolved.get("Policies") or []:
            iam.put_role_policy(
                RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(policy["PolicyDocument"])
            )

    def _stream(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        kinesis = self.client("kinesis")
        name = self.stack.refs[logical]
        mode = (resolved.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        kwargs: dict[str, Any] = {"StreamName": name, "StreamModeDetails": {"StreamMode": mode}}
        if mode == "PROVISIONED":
            kwargs["ShardCount"] = int(resolved.get("ShardCount", 1))
        kinesis.create_stream(**kwargs)
        retention = int(resolved.get("RetentionPeriodHours", 24))
        if retention > 24:
            kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=retention)
        encryption = resolved.get("StreamEncryption")
        if encryption:
            kinesis.start_stream_encryption(
                StreamName=name, EncryptionType=encryption["EncryptionType"], KeyId=encryption["KeyId"]
            )

    def _bucket(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        s3 = self.client("s3")
        name = self.stack.refs[logical]
        if self.stack.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.stack.region})
        if (resolved.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if resolved.get("BucketEncryption"):
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                            "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled", False)),
                        }
                        for rule in resolved["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if resolved.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=resolved["PublicAccessBlockConfiguration"]
            )

    def _dashboard(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        body = resolved["DashboardBody"]
        self.client("cloudwatch").put_dashboard(
            DashboardName=self.stack.refs[logical], DashboardBody=body if isinstance(body, str) else json.dumps(body)
        )

    def _alarm(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        keys = (
            "AlarmDescription",
            "ActionsEnabled",
            "Namespace",
            "MetricName",
            "Dimensions",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "AlarmActions",
            "OKActions",
            "Metrics",
        )
        kwargs = {key: resolved[key] for key in keys if key in resolved}
        for number in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if number in kwargs:
                kwargs[number] = int(kwargs[number])
        if "Threshold" in kwargs:
            kwargs["Threshold"] = float(kwargs["Threshold"])
        if "ActionsEnabled" in kwargs:
            kwargs["ActionsEnabled"] = str(kwargs["ActionsEnabled"]).lower() == "true"
        self.client("cloudwatch").put_metric_alarm(AlarmName=self.stack.refs[logical], **kwargs)

    def _loggroup(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        logs = self.client("logs")
        name = self.stack.refs[logical]
        logs.create_log_group(logGroupName=name)
        if resolved.get("RetentionInDays"):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(resolved["RetentionInDays"]))

    def _logstream(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        self.client("logs").create_log_stream(
            logGroupName=resolved["LogGroupName"], logStreamName=self.stack.refs[logical]
        )

    def _queue(self, logical: str, props: dict[str, Any]) -> None:
        name = self.stack.attrs[logical]["QueueName"]
        url = self.client("sqs").create_queue(QueueName=name)["QueueUrl"]
        self.stack.refs[logical] = url

    def _topic(self, logical: str, props: dict[str, Any]) -> None:
        self.client("sns").create_topic(Name=self.stack.attrs[logical]["TopicName"])

    def _function(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.function_properties(logical)
        name = self.stack.refs[logical]
        for key in resolved:
            if key in _FUNCTION_NOT_EMULATED:
                self._function_properties.setdefault(key, []).append(logical)
            elif key not in _FUNCTION_SETTINGS:
                raise UnsupportedTemplateError(
                    f"function {logical}: property {key} is not supported offline (supported: "
                    f"{', '.join(sorted(_FUNCTION_SETTINGS | set(_FUNCTION_NOT_EMULATED)))})"
                )
        code_dir = (self.root / str(resolved["CodeUri"])).resolve()
        if not code_dir.is_dir():
            raise UnsupportedTemplateError(f"function {logical}: CodeUri {resolved['CodeUri']} is not a directory")
        environment = {k: str(v) for k, v in (resolved.get("Environment") or {}).get("Variables", {}).items()}
        self.client("lambda").create_function(
            FunctionName=name,
            Runtime=str(resolved.get("Runtime", "python3.11")),
            Role=self._role_arn,
            Handler=str(resolved["Handler"]),
            Code={"ZipFile": _dummy_zip()},
            Timeout=int(resolved.get("Timeout", 3)),
            MemorySize=int(resolved.get("MemorySize", 128)),
            Environment={"Variables": environment},
        )
        moto_ext.register_function(
            name,
            code_dir,
            str(resolved["Handler"]),
            environment,
            memory_mb=int(resolved.get("MemorySize", 128)),
            timeout_seconds=int(resolved.get("Timeout", 3)),
            account=self.stack.account,
            region=self.stack.region,
        )
        function = LocalFunction(
            logical, name, self.stack.attrs[logical]["Arn"], code_dir, str(resolved["Handler"]), environment
        )
        for event_name, event in (resolved.get("Events") or {}).items():
            if event.get("Type") != "Kinesis":
                raise UnsupportedTemplateError(
                    f"function {logical}: event {event_name} of type {event.get('Type')} is not supported offline"
                )
            function.event_sources.append(_event_source(event.get("Properties") or {}))
        self.functions[logical] = function

    def _statemachine(self, logical: str, props: dict[str, Any]) -> None:
        resolved = self.stack.resolve(props)
        if "DefinitionUri" not in resolved:
            raise UnsupportedTemplateError(f"state machine {logical}: only DefinitionUri definitions are supported")
        text = (self.root / str(resolved["DefinitionUri"])).read_text(encoding="utf-8")
        definition = substitute_definition(text, resolved.get("DefinitionSubstitutions") or {}, logical)
        arn = self.client("stepfunctions").create_state_machine(
            name=self.stack.attrs[logical]["Name"], definition=definition, roleArn=self._role_arn, type="STANDARD"
        )["stateMachineArn"]
        self.state_machines[logical] = str(arn)


# Function properties the offline runtime applies (or that have no behaviour), and those accepted without
# a local effect (with the reason shown to the user).
_FUNCTION_SETTINGS = frozenset(
    {"CodeUri", "Handler", "Runtime", "Timeout", "MemorySize", "Environment", "Events", "FunctionName"}
    | {"Description", "Tags"}  # no behaviour to emulate
)
_FUNCTION_NOT_EMULATED: Mapping[str, str] = MappingProxyType(
    {
        "Architectures": "handlers run in this process, on this machine's architecture",
        "Layers": "the layer's code (src/) is installed in the project's environment",
        "Policies": "IAM is not enforced offline",
        "Role": "IAM is not enforced offline",
        "Tracing": "X-Ray tracing is off offline",
        "LoggingConfig": "function logs go to this process's logging, not to CloudWatch Logs",
        "ReservedConcurrentExecutions": "concurrency is not limited offline",
        "EphemeralStorage": "handlers use this machine's temporary folder",
        "KmsKeyArn": "KMS is not emulated offline",
        "DeadLetterQueue": "functions are invoked synchronously offline; nothing goes to the dead-letter queue",
    }
)

_EVENT_SOURCE_SETTINGS = frozenset(
    {
        "Stream",
        "StartingPosition",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "FunctionResponseTypes",
        "DestinationConfig",
        "Enabled",
    }
)
"""Kinesis event settings the local mappings honour; any other one changes delivery, so it is an error."""


def _event_source(props: Mapping[str, Any]) -> EventSource:
    unknown = sorted(set(props) - _EVENT_SOURCE_SETTINGS)
    if unknown:
        raise UnsupportedTemplateError(
            f"Kinesis event setting(s) {', '.join(unknown)} are not honoured by the offline event source mappings"
        )
    if props.get("Enabled", True) is not True:
        raise UnsupportedTemplateError("a disabled Kinesis event source mapping (Enabled: false) is not supported")
    if props.get("StartingPosition", "TRIM_HORIZON") not in {"TRIM_HORIZON", "LATEST"}:
        raise UnsupportedTemplateError(
            f"Kinesis event StartingPosition {props['StartingPosition']} is not supported offline"
        )
    on_failure_config = (props.get("DestinationConfig") or {}).get("OnFailure") or {}
    if on_failure_config and on_failure_config.get("Type", "SQS") != "SQS":
        raise UnsupportedTemplateError(
            f"on-failure destination of type {on_failure_config.get('Type')} is not supported offline (only SQS)"
        )
    on_failure = on_failure_config.get("Destination")
    return EventSource(
        stream_arn=str(props["Stream"]),
        batch_size=int(props.get("BatchSize", 100)),
        batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
        starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
        bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
        maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
        report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        on_failure_arn=str(on_failure) if on_failure else None,
    )


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def substitute_definition(text: str, substitutions: Mapping[str, Any], logical: str = "state machine") -> str:
    """Replace every ``${Key}`` of an ASL file; a key with no substitution is an error."""
    missing = sorted(set(_PLACEHOLDER.findall(text)) - set(substitutions))
    if missing:
        raise UnsupportedTemplateError(f"{logical}: no DefinitionSubstitutions for {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: str(substitutions[m.group(1)]), text)


@dataclass(frozen=True)
class ResourceType:
    """What the offline runtime does with a resource type: ``create`` it, and/or say what it does not emulate."""

    create: Callable[[Deployer, str, dict[str, Any]], None] | None = None
    not_emulated: str = ""


RESOURCE_TYPES: Mapping[str, ResourceType] = MappingProxyType(
    {  # every type the template may hold, those created in dependency order
        "AWS::IAM::Role": ResourceType(Deployer._role),
        "AWS::Kinesis::Stream": ResourceType(Deployer._stream),
        "AWS::S3::Bucket": ResourceType(Deployer._bucket),
        "AWS::Logs::LogGroup": ResourceType(Deployer._loggroup),
        "AWS::Logs::LogStream": ResourceType(Deployer._logstream),
        "AWS::SQS::Queue": ResourceType(Deployer._queue),
        "AWS::SNS::Topic": ResourceType(Deployer._topic),
        "AWS::Serverless::Function": ResourceType(Deployer._function),
        "AWS::CloudWatch::Alarm": ResourceType(
            Deployer._alarm, "alarms are created (their actions armed and disarmed) but not evaluated offline"
        ),
        "AWS::Serverless::StateMachine": ResourceType(Deployer._statemachine),
        "AWS::CloudWatch::Dashboard": ResourceType(Deployer._dashboard),
        "AWS::Scheduler::Schedule": ResourceType(
            not_emulated="schedules do not fire offline; start executions with `fanout run`"
        ),
        "AWS::SNS::Subscription": ResourceType(not_emulated="subscriptions (e-mail) are not delivered offline"),
        "AWS::Serverless::LayerVersion": ResourceType(
            not_emulated="the layer's code (src/) is installed in the project's environment"
        ),
        "AWS::S3::BucketPolicy": ResourceType(not_emulated="bucket policies are not enforced offline"),
        "AWS::SQS::QueuePolicy": ResourceType(not_emulated="queue policies are not enforced offline"),
        "AWS::IAM::ManagedPolicy": ResourceType(not_emulated="IAM is not enforced offline"),
        "AWS::KMS::Key": ResourceType(
            not_emulated="KMS keys are not created offline; what they encrypt (topic, log groups) is not encrypted"
        ),
    }
)


def deploy(
    client: Callable[[str], Any],
    template_path: Path,
    *,
    stack_name: str,
    region: str,
    account: str = "123456789012",
    parameters: Mapping[str, str] | None = None,
    environment_overrides: Mapping[str, str] | None = None,
) -> LocalDeployment:
    """Deploy `template_path` into the local cloud reached through `client(service)`.

    `environment_overrides` are added to every function's environment (local knobs such as a short
    poll interval) after the template's own variables.
    """
    moto_ext.install()
    stack = Stack.prepare(
        load_template(template_path),
        name=stack_name,
        region=region,
        account=account,
        overrides=parameters,
        naming=_naming,
    )
    deployer = Deployer(client, template_path, stack)
    result = deployer.deploy()
    register_stack_outputs(client("cloudformation"), stack_name, result.outputs)
    if environment_overrides:
        for fn in result.functions.values():
            fn.environment.update(environment_overrides)
            code = moto_ext.functions(account, region).get(fn.name)
            if code is not None:
                code.environment.update(environment_overrides)
    return result


def register_stack_outputs(cfn: Any, stack_name: str, outputs: Mapping[str, str]) -> None:
    """Create a CloudFormation stack in the local cloud that holds only the deployment's Outputs.

    moto cannot deploy the SAM template itself, but with this stack `describe_stacks` answers as on AWS,
    so the `fanout` commands resolve their resources the same way offline (see ``fanout.stack``).
    """
    body = {
        "Description": "kinesis-fanout offline runtime: the Outputs of template.yaml as deployed locally",
        "Resources": {"LocalDeployment": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": str(value)} for key, value in outputs.items() if value},
    }
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(body))
