"""Static gates over the template and the state machine: cfn-lint, sam validate, statelint, substitutions."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fanout.localcloud.deploy import substitute_definition
from fanout.sam.template import load_template
from tests.support import ROOT, TEMPLATE

pytestmark = pytest.mark.static

ASL_FILES = sorted((ROOT / "statemachines").glob("*.asl.json"))
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: run `make venv`")
    return found


def _state_machines() -> list[tuple[str, dict[str, Any]]]:
    resources = load_template(TEMPLATE)["Resources"]
    return [(k, v["Properties"]) for k, v in resources.items() if v["Type"] == "AWS::Serverless::StateMachine"]


def test_cfn_lint_reports_nothing() -> None:
    result = subprocess.run([_tool("cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _sam() -> str:
    """The SAM CLI `make test` installed (SAM_CLI), or one on the PATH; skipped only when neither exists."""
    sam = os.environ.get("SAM_CLI")
    if sam and not Path(sam).exists():
        pytest.fail(f"SAM_CLI={sam} does not exist: run `make test`, which installs it")
    sam = sam or shutil.which("sam")
    if not sam:
        pytest.skip("SAM CLI not installed here; `make test` installs it and runs this gate")
    return sam


def test_sam_validate_with_lint_reports_nothing() -> None:
    sam = _sam()
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHON": sys.executable}  # src/Makefile pip-installs with it
    for args in (["validate", "--region", "us-east-1"], ["validate", "--lint", "--region", "us-east-1"]):
        result = subprocess.run([sam, *args], cwd=ROOT, capture_output=True, text=True, check=False, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "is a valid SAM Template" in result.stdout + result.stderr


def test_every_state_machine_file_is_referenced_with_definition_uri() -> None:
    referenced = {(ROOT / props["DefinitionUri"]).resolve() for _, props in _state_machines()}
    assert referenced == {p.resolve() for p in ASL_FILES}


@pytest.mark.parametrize("logical, props", _state_machines())
def test_asl_placeholders_match_definition_substitutions_both_ways(logical: str, props: dict[str, Any]) -> None:
    text = (ROOT / props["DefinitionUri"]).read_text()
    used = set(PLACEHOLDER.findall(text))
    given = set(props.get("DefinitionSubstitutions", {}))
    assert used - given == set(), f"{logical}: placeholders without a substitution"
    assert given - used == set(), f"{logical}: substitutions the ASL never uses"


@pytest.mark.parametrize("logical, props", _state_machines())
def test_statelint_accepts_the_rendered_definition(logical: str, props: dict[str, Any], tmp_path: Path) -> None:
    # Direct-ARN Task resources are only URIs once substituted, so lint what would be deployed.
    fake = {k: f"arn:aws:lambda:us-east-1:123456789012:function:{k}" for k in props["DefinitionSubstitutions"]}
    fake["FailureTopicArn"] = "arn:aws:sns:us-east-1:123456789012:failures"
    rendered = tmp_path / "rendered.asl.json"
    rendered.write_text(substitute_definition((ROOT / props["DefinitionUri"]).read_text(), fake))
    result = subprocess.run(
        [_tool("statelint"), "--ignore=FLOAT", str(rendered)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_task_has_retry_and_catch() -> None:
    for path in ASL_FILES:
        states = json.loads(path.read_text())["States"]
        for name, state in states.items():
            if state["Type"] == "Task":
                assert state.get("Retry"), f"{path.name}: {name} has no Retry"
                assert state.get("Catch"), f"{path.name}: {name} has no Catch"


def _statements(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            found.append(node)
        for value in node.values():
            found.extend(_statements(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_statements(value))
    return found


def test_no_iam_statement_allows_a_wildcard_action() -> None:
    template = load_template(TEMPLATE)
    for statement in _statements(template["Resources"]):
        if statement["Effect"] != "Allow":
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(a != "*" and not a.endswith(":*") for a in actions), statement


def test_wildcard_resources_carry_a_comment_saying_why() -> None:
    lines = TEMPLATE.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.search(r'Resource:\s*"\*"', line):
            assert "#" in lines[number - 1], f"line {number + 1}: Resource '*' without a comment above it"


def test_streams_are_kms_encrypted_and_the_bucket_is_private_and_tls_only() -> None:
    resources = load_template(TEMPLATE)["Resources"]
    streams = [r for r in resources.values() if r["Type"] == "AWS::Kinesis::Stream"]
    assert len(streams) == 4
    assert all(s["Properties"]["StreamEncryption"]["EncryptionType"] == "KMS" for s in streams)
    bucket = resources["ArtifactBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert "BucketEncryption" in bucket
    policy = resources["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy)


def test_every_consumer_has_bisect_retry_limit_partial_batches_and_a_dead_letter_queue() -> None:
    resources = load_template(TEMPLATE)["Resources"]
    consumers = {k: v for k, v in resources.items() if k.endswith("ConsumerFunction")}
    assert set(consumers) == {"PositiveConsumerFunction", "NegativeConsumerFunction", "RejectedConsumerFunction"}
    for name, fn in consumers.items():
        event = fn["Properties"]["Events"]["Stream"]["Properties"]
        assert event["BisectBatchOnFunctionError"] is True, name
        assert "MaximumRetryAttempts" in event, name
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name
        assert event["DestinationConfig"]["OnFailure"]["Type"] == "SQS", name


CORE_MODULES = {
    "__init__.py",
    "env.py",
    "exceptions.py",
    "aws_errors.py",
    "observability.py",
    "runtimes.py",
    "lifecycle",
    "consumer",
}
"""What runs in AWS (src/Makefile's CORE): the handlers import nothing else, and the layer ships nothing else."""


def test_sam_build_packages_the_layer_and_the_handlers(tmp_path: Path) -> None:
    sam = _sam()
    build = tmp_path / "build"
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHON": sys.executable}  # src/Makefile pip-installs with it
    result = subprocess.run(
        [sam, "build", "--build-dir", str(build), "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layer = build / "DomainLayer" / "python"
    assert (layer / "fanout" / "lifecycle" / "service.py").is_file()
    assert (layer / "aws_lambda_powertools").is_dir()
    assert (layer / "pydantic").is_dir()
    # AND the layer holds the core only (src/Makefile), built for Lambda: no CLI, routes or offline runtime
    shipped = {p.relative_to(layer / "fanout").parts[0] for p in (layer / "fanout").rglob("*.py")}
    assert shipped == CORE_MODULES, shipped ^ CORE_MODULES
    assert list((layer / "pydantic_core").glob("*cpython-311-x86_64-linux-gnu.so")), (
        "pydantic-core is not built for Lambda"
    )
    assert (build / "ValidateRequestFunction" / "validate.py").is_file()
    assert (build / "PositiveConsumerFunction" / "app.py").is_file()
    # AND the router ships its SQL (a file, not a dangling link) and a layer of the compiled routes and sqlglot,
    # without the DuckDB executor
    router_sql = build / "RouterFunction" / "fanout.sql"
    assert router_sql.is_file() and not router_sql.is_symlink()
    assert router_sql.read_text() == (ROOT / "sql" / "fanout.sql").read_text()
    router_layer = build / "RouterLayer" / "python"
    assert (router_layer / "fanout" / "routes" / "evaluator" / "program.py").is_file()
    assert (router_layer / "sqlglot").is_dir()
    assert not (router_layer / "fanout" / "routes" / "executor.py").exists()
    assert not (router_layer / "duckdb").exists() and not (router_layer / "pyarrow").exists()


def test_every_dead_letter_queue_has_an_alarm_that_notifies_the_failure_topic() -> None:
    # GIVEN every SQS queue of the template (each is a dead-letter queue: consumers' or the schedules')
    resources = load_template(TEMPLATE)["Resources"]
    queues = [k for k, v in resources.items() if v["Type"] == "AWS::SQS::Queue"]
    # WHEN we collect the queues watched by an alarm that notifies the failure topic
    watched = set()
    for alarm in (v["Properties"] for v in resources.values() if v["Type"] == "AWS::CloudWatch::Alarm"):
        if alarm.get("Namespace") != "AWS/SQS" or {"Ref": "FailureTopic"} not in alarm.get("AlarmActions", []):
            continue
        for dimension in alarm.get("Dimensions", []):
            if dimension["Name"] == "QueueName":
                watched.add(dimension["Value"]["Fn::GetAtt"][0])
    # THEN none is missing: a message in any of them is a lost record or a run window that never started
    assert queues and set(queues) <= watched, f"queues without an alarm: {sorted(set(queues) - watched)}"


def test_every_queue_is_an_output_so_nobody_copies_its_url_by_hand() -> None:
    template = load_template(TEMPLATE)
    queues = {k for k, v in template["Resources"].items() if v["Type"] == "AWS::SQS::Queue"}
    exported = {o["Value"].get("Ref") for o in template["Outputs"].values() if isinstance(o["Value"], dict)}
    assert queues <= exported, f"queues with no Output: {sorted(queues - exported)}"


def test_every_sample_event_is_loaded_by_a_test() -> None:
    # GIVEN the sample events that `sam local invoke -e` uses
    events = sorted(
        p.relative_to(ROOT / "events").with_suffix("").as_posix() for p in (ROOT / "events").rglob("*.json")
    )
    # WHEN we collect the event names the tests pass to load_event ("dir/name", or an f-string like "dir/x_{y}")
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    names = re.findall(r'f?"((?:consumer|lifecycle|router|statemachine)/[A-Za-z0-9_{}]+)"', sources)
    patterns = [re.compile(re.sub(r"\\\{[^}]*\\\}", "[a-z_]+", re.escape(n))) for n in names]
    # THEN each event is loaded somewhere (a stale or orphaned event would otherwise go unnoticed)
    unused = [name for name in events if not any(p.fullmatch(name) for p in patterns)]
    assert events and not unused, f"sample events no test loads: {unused}"


def test_every_way_a_lifecycle_execution_can_end_badly_notifies_the_failure_topic() -> None:
    # GIVEN the template's alarms on the lifecycle state machine
    resources = load_template(TEMPLATE)["Resources"]
    alarmed = {
        a["Properties"]["MetricName"]
        for a in resources.values()
        if a["Type"] == "AWS::CloudWatch::Alarm"
        and a["Properties"].get("Namespace") == "AWS/States"
        and {"Ref": "FailureTopic"} in a["Properties"]["AlarmActions"]
    }
    # THEN failed, timed-out and aborted executions each raise one (an aborted run leaves the application billed)
    assert {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"} <= alarmed


def test_alarms_can_publish_to_the_encrypted_failure_topic() -> None:
    # GIVEN the failure topic every alarm notifies
    resources = load_template(TEMPLATE)["Resources"]
    key_ref = resources["FailureTopic"]["Properties"]["KmsMasterKeyId"]
    # THEN it is not encrypted with the AWS managed alias/aws/sns, whose key policy CloudWatch may not use
    # (alarm actions then fail, and no alarm ever reaches anybody), but with a key of this stack
    assert isinstance(key_ref, dict) and "Ref" in key_ref, key_ref
    key = resources[key_ref["Ref"]]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    # AND the key policy lets CloudWatch alarms use it, for this account only
    cloudwatch = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"
    ]
    assert cloudwatch and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch[0]["Action"])
    assert "aws:SourceAccount" in json.dumps(cloudwatch[0]["Condition"])
    # AND the state machine, which publishes with its role, may use the key too
    machine = json.dumps(resources["LifecycleStateMachine"]["Properties"]["Policies"])
    assert "kms:GenerateDataKey" in machine and key_ref["Ref"] in machine


def test_every_function_logs_to_a_log_group_of_the_stack_with_retention() -> None:
    # GIVEN every function of the template
    resources = load_template(TEMPLATE)["Resources"]
    functions = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    for name, props in functions.items():
        # THEN it writes to a log group the stack owns (Lambda's own group would keep logs forever)
        group = props.get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        assert group in resources, f"{name}: no LoggingConfig.LogGroup of this stack"
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", name
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    assert len(functions) == 12  # the lifecycle (8), the consumers (3), the router (Engine lambda)
