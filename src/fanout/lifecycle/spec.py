"""The Flink application's definition: what CreateApplication and UpdateApplication send."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fanout import env
from fanout.exceptions import ConfigurationError, UnsupportedRuntimeError
from fanout.lifecycle.position import INIT_TIMESTAMP, UNUSED_TIMESTAMP
from fanout.runtimes import DEFAULT_RUNTIME, check_runtime, connector_jar_name

RUN_OPTIONS_GROUP = "kinesis.analytics.flink.run.options"
"""Property group Managed Flink reads to find the PyFlink entry point and the connector jar."""

APPLICATION_PROPERTIES_GROUP = "fanout"
"""Property group the PyFlink job reads its placeholders (stream ARNs, region) from."""


class ApplicationSpec(BaseModel):
    """Everything needed to create the Flink application, validated at the edge."""

    model_config = ConfigDict(frozen=True)

    application_name: str = Field(pattern=r"^[a-zA-Z0-9_.-]{1,128}$")
    runtime: str = DEFAULT_RUNTIME
    service_role_arn: str = Field(min_length=20)
    artifact_bucket: str = Field(min_length=3)
    artifact_key: str = Field(min_length=1)
    python_entry: str = "main.py"
    jar_file: str = ""  # empty: the runtime's connector (fanout.artifact.connector), as the artifact ships it
    parallelism: int = Field(default=1, ge=1)
    parallelism_per_kpu: int = Field(default=1, ge=1, le=8)
    log_stream_arn: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)

    @field_validator("runtime")
    @classmethod
    def _supported_runtime(cls, value: str) -> str:
        try:
            return check_runtime(value)
        except UnsupportedRuntimeError as exc:
            raise ValueError(str(exc)) from exc

    @model_validator(mode="after")
    def _runtime_connector(self) -> ApplicationSpec:
        if not self.jar_file:  # the model is frozen: set the derived default once, while it is being validated
            object.__setattr__(self, "jar_file", f"lib/{connector_jar_name(self.runtime)}")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ApplicationSpec:
        """Build the spec from the create step's environment."""
        raw_props = environ.get(env.FLINK_APPLICATION_PROPERTIES, "{}")
        try:
            props = json.loads(raw_props)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{env.FLINK_APPLICATION_PROPERTIES} is not JSON: {exc}") from exc
        if not isinstance(props, dict) or not all(isinstance(v, str) for v in props.values()):
            raise ConfigurationError(f"{env.FLINK_APPLICATION_PROPERTIES} must be a JSON object of strings")
        raw: dict[str, Any] = {
            "application_name": environ.get(env.APPLICATION_NAME, ""),
            "runtime": environ.get(env.RUNTIME_ENVIRONMENT, DEFAULT_RUNTIME),
            "service_role_arn": environ.get(env.SERVICE_EXECUTION_ROLE_ARN, ""),
            "artifact_bucket": environ.get(env.ARTIFACT_BUCKET, ""),
            "artifact_key": environ.get(env.ARTIFACT_KEY, ""),
            "python_entry": environ.get(env.FLINK_PYTHON_ENTRY, "main.py"),
            "jar_file": environ.get(env.FLINK_JAR_FILE, ""),
            "parallelism": environ.get(env.PARALLELISM, 1),
            "parallelism_per_kpu": environ.get(env.PARALLELISM_PER_KPU, 1),
            "log_stream_arn": environ.get(env.LOG_STREAM_ARN) or None,
            "properties": props,
        }
        missing = [
            name
            for name, key in (
                (env.APPLICATION_NAME, "application_name"),
                (env.SERVICE_EXECUTION_ROLE_ARN, "service_role_arn"),
                (env.ARTIFACT_BUCKET, "artifact_bucket"),
                (env.ARTIFACT_KEY, "artifact_key"),
            )
            if not raw[key]
        ]
        if missing:
            raise ConfigurationError(f"missing settings for the Flink application: {', '.join(missing)}")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise ConfigurationError(f"invalid Flink application settings: {exc}") from exc

    def code_location(self, object_version: str | None) -> dict[str, str]:
        """The S3ContentLocation of the artifact, pinned to an object version when there is one."""
        partition = self.service_role_arn.split(":")[1] if self.service_role_arn.count(":") >= 4 else "aws"
        location = {"BucketARN": f"arn:{partition}:s3:::{self.artifact_bucket}", "FileKey": self.artifact_key}
        if object_version:
            location["ObjectVersion"] = object_version
        return location

    def property_groups(self) -> list[dict[str, Any]]:
        """The runtime properties the application sees in application_properties.json."""
        return [
            {
                "PropertyGroupId": RUN_OPTIONS_GROUP,
                "PropertyMap": {"python": self.python_entry, "jarfile": self.jar_file},
            },
            # source.init.timestamp is read only when source.init.position is AT_TIMESTAMP
            {
                "PropertyGroupId": APPLICATION_PROPERTIES_GROUP,
                "PropertyMap": {INIT_TIMESTAMP: UNUSED_TIMESTAMP, **self.properties},
            },
        ]

    def create_request(self, object_version: str | None) -> dict[str, Any]:
        """The CreateApplication request for this spec."""
        request: dict[str, Any] = {
            "ApplicationName": self.application_name,
            "ApplicationDescription": "kinesis-fanout: SQL routes from one input stream to filtered streams",
            "RuntimeEnvironment": self.runtime,
            "ServiceExecutionRole": self.service_role_arn,
            "ApplicationMode": "STREAMING",
            "ApplicationConfiguration": {
                "ApplicationCodeConfiguration": {
                    "CodeContent": {"S3ContentLocation": self.code_location(object_version)},
                    "CodeContentType": "ZIPFILE",
                },
                "EnvironmentProperties": {"PropertyGroups": self.property_groups()},
                "FlinkApplicationConfiguration": {
                    "CheckpointConfiguration": {"ConfigurationType": "DEFAULT"},
                    "MonitoringConfiguration": {
                        "ConfigurationType": "CUSTOM",
                        "MetricsLevel": "APPLICATION",
                        "LogLevel": "INFO",
                    },
                    "ParallelismConfiguration": {
                        "ConfigurationType": "CUSTOM",
                        "Parallelism": self.parallelism,
                        "ParallelismPerKPU": self.parallelism_per_kpu,
                        "AutoScalingEnabled": False,
                    },
                },
                "ApplicationSnapshotConfiguration": {"SnapshotsEnabled": True},
            },
            "Tags": [{"Key": "project", "Value": "kinesis-fanout"}],
        }
        if self.log_stream_arn:
            request["CloudWatchLoggingOptions"] = [{"LogStreamARN": self.log_stream_arn}]
        return request

    def update_request(self, current_version_id: int, object_version: str | None) -> dict[str, Any]:
        """The UpdateApplication request moving the application to this spec's code and properties."""
        location = self.code_location(object_version)
        s3_update = {"BucketARNUpdate": location["BucketARN"], "FileKeyUpdate": location["FileKey"]}
        if "ObjectVersion" in location:
            s3_update["ObjectVersionUpdate"] = location["ObjectVersion"]
        return {
            "ApplicationName": self.application_name,
            "CurrentApplicationVersionId": current_version_id,
            "ApplicationConfigurationUpdate": {
                "ApplicationCodeConfigurationUpdate": {
                    "CodeContentTypeUpdate": "ZIPFILE",
                    "CodeContentUpdate": {"S3ContentLocationUpdate": s3_update},
                },
                "EnvironmentPropertyUpdates": {"PropertyGroups": self.property_groups()},
            },
        }


def spec_from_function(lambda_client: Any, function_name: str) -> ApplicationSpec:
    """The spec the deployed create step uses: its function's environment, read with GetFunctionConfiguration.

    One definition of the application for the state machine and `fanout app create` alike.
    Example: ``spec_from_function(boto3.client("lambda"), "kinesis-fanout-EnsureApplicationFunction-x")``
    """
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    return ApplicationSpec.from_env((config.get("Environment") or {}).get("Variables") or {})
