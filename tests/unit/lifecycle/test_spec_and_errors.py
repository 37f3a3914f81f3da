"""The application spec (CreateApplication request) and the ClientError translation: pure."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from fanout.exceptions import ConfigurationError
from fanout.lifecycle import ApplicationSpec
from fanout.lifecycle.errors import translated
from fanout.lifecycle.exceptions import (
    RETRYABLE_ERRORS,
    ApplicationBusyError,
    ApplicationNotFoundError,
    ConcurrentModificationError,
    ServiceUnavailableError,
    ThrottledError,
)
from tests.support import ROOT

ENV = {
    "APPLICATION_NAME": "stack-fanout",
    "SERVICE_EXECUTION_ROLE_ARN": "arn:aws-cn:iam::123456789012:role/flink",
    "ARTIFACT_BUCKET": "bucket",
    "ARTIFACT_KEY": "flink/app.zip",
    "PARALLELISM": "2",
    "FLINK_APPLICATION_PROPERTIES": json.dumps({"aws.region": "cn-north-1", "input.stream.arn": "arn:x"}),
    "LOG_STREAM_ARN": "arn:aws-cn:logs:cn-north-1:123456789012:log-group:g:log-stream:s",
}


def test_create_request_has_runtime_code_properties_snapshots_and_logging() -> None:
    request = ApplicationSpec.from_env(ENV).create_request("v3")
    config = request["ApplicationConfiguration"]
    assert request["RuntimeEnvironment"] == "FLINK-1_20"
    location = config["ApplicationCodeConfiguration"]["CodeContent"]["S3ContentLocation"]
    assert location == {"BucketARN": "arn:aws-cn:s3:::bucket", "FileKey": "flink/app.zip", "ObjectVersion": "v3"}
    groups = {g["PropertyGroupId"]: g["PropertyMap"] for g in config["EnvironmentProperties"]["PropertyGroups"]}
    assert groups["kinesis.analytics.flink.run.options"]["python"] == "main.py"
    assert groups["kinesis.analytics.flink.run.options"]["jarfile"].startswith("lib/")
    assert groups["fanout"]["aws.region"] == "cn-north-1"
    assert config["ApplicationSnapshotConfiguration"] == {"SnapshotsEnabled": True}
    assert config["FlinkApplicationConfiguration"]["ParallelismConfiguration"]["Parallelism"] == 2
    assert request["CloudWatchLoggingOptions"] == [{"LogStreamARN": ENV["LOG_STREAM_ARN"]}]


@pytest.mark.parametrize("version", ["v3", None])
def test_update_request_moves_the_code_and_properties_as_create_request_sets_them(version: str | None) -> None:
    # GIVEN a spec WHEN its UpdateApplication request is built for version 7 of the application
    spec = ApplicationSpec.from_env(ENV)
    request = spec.update_request(7, version)
    created = spec.create_request(version)["ApplicationConfiguration"]
    location = created["ApplicationCodeConfiguration"]["CodeContent"]["S3ContentLocation"]
    # THEN it names the version it updates, and sends the same code location and property groups
    update = request["ApplicationConfigurationUpdate"]
    assert (request["ApplicationName"], request["CurrentApplicationVersionId"]) == ("stack-fanout", 7)
    code = update["ApplicationCodeConfigurationUpdate"]
    assert code["CodeContentTypeUpdate"] == "ZIPFILE"
    assert code["CodeContentUpdate"]["S3ContentLocationUpdate"] == {
        "BucketARNUpdate": location["BucketARN"],
        "FileKeyUpdate": location["FileKey"],
        **({"ObjectVersionUpdate": version} if version else {}),
    }
    assert update["EnvironmentPropertyUpdates"] == created["EnvironmentProperties"]
    assert set(request) == {"ApplicationName", "CurrentApplicationVersionId", "ApplicationConfigurationUpdate"}


def test_spec_names_every_missing_setting() -> None:
    with pytest.raises(ConfigurationError, match="SERVICE_EXECUTION_ROLE_ARN, ARTIFACT_BUCKET, ARTIFACT_KEY"):
        ApplicationSpec.from_env({"APPLICATION_NAME": "a"})


def test_spec_rejects_properties_that_are_not_a_json_object_of_strings() -> None:
    with pytest.raises(ConfigurationError, match="not JSON"):
        ApplicationSpec.from_env({**ENV, "FLINK_APPLICATION_PROPERTIES": "{oops"})
    with pytest.raises(ConfigurationError, match="object of strings"):
        ApplicationSpec.from_env({**ENV, "FLINK_APPLICATION_PROPERTIES": '{"a": 1}'})


@pytest.mark.parametrize(
    "code, error",
    [
        ("ResourceInUseException", ApplicationBusyError),
        ("ConcurrentModificationException", ConcurrentModificationError),
        ("ResourceNotFoundException", ApplicationNotFoundError),
        ("ThrottlingException", ThrottledError),
        ("InternalFailure", ServiceUnavailableError),
        ("ServiceUnavailableException", ServiceUnavailableError),
    ],
)
def test_client_errors_become_named_errors(code: str, error: type[Exception]) -> None:
    with pytest.raises(error, match=code), translated("StartApplication"):
        raise ClientError({"Error": {"Code": code, "Message": "m"}}, "StartApplication")


def test_unknown_client_errors_are_not_swallowed() -> None:
    with pytest.raises(ClientError), translated("StartApplication"):
        raise ClientError({"Error": {"Code": "Weird", "Message": "m"}}, "StartApplication")


class _ForbiddenS3:
    """S3 as AWS answers HeadObject for a missing key to a caller without s3:ListBucket: 403, not 404."""

    def head_object(self, Bucket: str, Key: str) -> dict[str, str]:
        raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")


def test_a_forbidden_artifact_head_is_a_named_error_that_says_what_to_check() -> None:
    from fanout.lifecycle.exceptions import AccessDeniedError
    from fanout.lifecycle.service import latest_artifact_version

    # GIVEN S3 answering 403 for the artifact
    # WHEN the create step looks up the artifact's version
    # THEN it fails with a named error naming the object and both likely causes, not a bare ClientError
    with pytest.raises(AccessDeniedError, match=r"s3://bucket/flink/app\.zip.*(missing|ListBucket)"):
        latest_artifact_version(_ForbiddenS3(), "bucket", "flink/app.zip")


def test_the_lifecycle_may_list_the_artifact_key_so_a_missing_artifact_is_a_404() -> None:
    from fanout.sam.template import load_template
    from tests.support import TEMPLATE

    # GIVEN the policy of the step that looks the artifact up
    function = load_template(TEMPLATE)["Resources"]["EnsureApplicationFunction"]["Properties"]
    statements = [statement for policy in function["Policies"] for statement in policy["Statement"]]
    # THEN it allows s3:ListBucket on the artifact bucket (without it S3 answers 403 for a missing key)
    listing = [s for s in statements if "s3:ListBucket" in s["Action"]]
    assert listing and listing[0]["Resource"] == {"Fn::GetAtt": ["ArtifactBucket", "Arn"]}


def test_every_lifecycle_task_retries_every_retryable_error() -> None:
    # GIVEN the ASL and the lifecycle's retryable errors
    definition = json.loads((ROOT / "statemachines" / "lifecycle.asl.json").read_text())
    lambda_tasks = {
        name: state
        for name, state in definition["States"].items()
        if state["Type"] == "Task" and state["Resource"].endswith("FunctionArn}")
    }
    assert lambda_tasks
    # WHEN each Lambda Task's retriers are read
    for name, state in lambda_tasks.items():
        retried = {error for retrier in state.get("Retry", []) for error in retrier["ErrorEquals"]}
        # THEN each retries every retryable error (and a final error is caught, not retried)
        assert set(RETRYABLE_ERRORS) <= retried, name
        assert "InvalidRequestError" not in retried, name


@pytest.mark.parametrize(
    ("runtime", "jar"),
    [
        ("FLINK-1_20", "lib/flink-sql-connector-aws-kinesis-streams-5.1.0-1.20.jar"),
        ("FLINK-2_2", "lib/flink-sql-connector-aws-kinesis-streams-6.0.1-2.0.jar"),
    ],
)
def test_the_runtime_picks_the_connector_jar_the_application_loads(runtime: str, jar: str) -> None:
    # GIVEN the create step's environment with a runtime WHEN the request is built
    request = ApplicationSpec.from_env({**ENV, "RUNTIME_ENVIRONMENT": runtime}).create_request(None)
    # THEN it asks for that runtime and loads the jar the artifact ships for it
    groups = request["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"]
    assert request["RuntimeEnvironment"] == runtime
    assert (
        next(g for g in groups if g["PropertyGroupId"] == "kinesis.analytics.flink.run.options")["PropertyMap"][
            "jarfile"
        ]
        == jar
    )


def test_an_unsupported_runtime_is_a_configuration_error_naming_the_supported_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unsupported Flink runtime 'FLINK-1_18'.*FLINK-1_20, FLINK-2_2"):
        ApplicationSpec.from_env({**ENV, "RUNTIME_ENVIRONMENT": "FLINK-1_18"})
