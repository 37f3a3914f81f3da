"""Fixtures: fake credentials, the local cloud (moto, extended), and the template deployed into it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from fanout.localcloud import moto_ext
from fanout.localcloud.deploy import LocalDeployment, deploy
from fanout.localcloud.flink import LocalFlink, TransitionDelays
from tests.support import TEMPLATE

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint or profile from the developer's machine."""
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")


@dataclass
class Cloud:
    """The local cloud of one test."""

    region: str = REGION

    def client(self, service: str) -> Any:
        """A standard boto3 client."""
        return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]

    @property
    def flink(self) -> LocalFlink:
        """The local Managed Flink control plane."""
        return moto_ext.local_flink(ACCOUNT, self.region)

    @property
    def kinesis_faults(self) -> moto_ext.KinesisFaults:
        """The PutRecords failures armed in this cloud's streams."""
        return moto_ext.kinesis_faults(ACCOUNT, self.region)


@pytest.fixture
def cloud(aws_credentials: None) -> Iterator[Cloud]:
    """moto in-process, with the offline runtime's extensions and short transitions."""
    moto_ext.install()
    with mock_aws(config=dict(moto_ext.MOTO_CONFIG)):  # a fresh moto: the runtime's state lives on its backends
        cloud = Cloud()
        cloud.flink.delays = TransitionDelays(start=0.5, stop=0.5, update=0.2, delete=0.3)
        yield cloud


def artifact_zip() -> bytes:
    """A stand-in Flink artifact (the real one is built by the artifact command)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("main.py", "# stand-in\n")
    return buf.getvalue()


@pytest.fixture
def deployment(cloud: Cloud) -> LocalDeployment:
    """template.yaml deployed as stack `fanout`, with a 1 s poll interval and the artifact uploaded."""
    result = deploy(
        cloud.client,
        TEMPLATE,
        stack_name="fanout",
        region=cloud.region,
        environment_overrides={"POLL_INTERVAL_SECONDS": "1", "TRANSITION_CEILING_SECONDS": "20"},
    )
    cloud.client("s3").put_object(
        Bucket=result.outputs["ArtifactBucketName"], Key=result.outputs["ArtifactKey"], Body=artifact_zip()
    )
    return result


def start(cloud: Cloud, deployment: LocalDeployment, name: str, payload: dict[str, Any]) -> str:
    """Start a lifecycle execution with an explicit name (moto needs one) and return its ARN."""
    sfn = cloud.client("stepfunctions")
    return str(
        sfn.start_execution(
            stateMachineArn=deployment.outputs["LifecycleStateMachineArn"], name=name, input=json.dumps(payload)
        )["executionArn"]
    )


def set_function_env(deployment: LocalDeployment, **values: str) -> None:
    """Change environment variables of every deployed function (local knobs such as the ceiling)."""
    for fn in deployment.functions.values():
        code = moto_ext.functions(ACCOUNT, REGION).get(fn.name)
        assert code is not None
        code.environment.update(values)
