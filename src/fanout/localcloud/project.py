"""Deploy this project (template.yaml and a Flink artifact) into a local cloud."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fanout.artifact import ArtifactSourceError, artifact_entries, find_project_root
from fanout.artifact.inspect import stand_in_zip
from fanout.localcloud.deploy import LocalDeployment, deploy
from fanout.localcloud.server import ACCOUNT
from fanout.runtimes import DEFAULT_RUNTIME, RUNTIME_METADATA
from fanout.sam.template import find_template

LOCAL_KNOBS: Mapping[str, str] = MappingProxyType({"POLL_INTERVAL_SECONDS": "1", "TRANSITION_CEILING_SECONDS": "60"})
"""Function settings for the offline runtime: transitions take seconds locally, not minutes."""


def stand_in_artifact(root: Path, runtime: str = DEFAULT_RUNTIME) -> bytes:
    """The artifact exactly as `fanout artifact build --runtime RUNTIME` lays it out, with a stand-in in place of the
    connector jar (it cannot be downloaded offline): the same name, so the local Managed Flink checks it.

    ``root`` is the template's folder; a template kept elsewhere gets the project's job and SQL.
    """
    try:
        project = find_project_root(root)
    except ArtifactSourceError:
        project = find_project_root()
    return stand_in_zip({name: path.read_bytes() for name, path in artifact_entries(project).items()}, runtime)


def deploy_project(
    cloud: Any,
    *,
    template: Path | None = None,
    stack_name: str = "fanout-local",
    parameters: Mapping[str, str] | None = None,
    environment_overrides: Mapping[str, str] | None = None,
) -> LocalDeployment:
    """Deploy the template into `cloud` and upload the Flink artifact where the template expects it."""
    path = find_template(template)
    deployment = deploy(
        cloud.client,
        path,
        stack_name=stack_name,
        region=cloud.region,
        account=ACCOUNT,
        parameters=parameters,
        environment_overrides={**LOCAL_KNOBS, **(environment_overrides or {})},
    )
    outputs = deployment.outputs
    runtime = outputs.get("FlinkRuntime") or DEFAULT_RUNTIME
    cloud.client("s3").put_object(
        Bucket=outputs["ArtifactBucketName"],
        Key=outputs["ArtifactKey"],
        Body=stand_in_artifact(path.parent, runtime),
        Metadata={RUNTIME_METADATA: runtime},
    )
    return deployment
