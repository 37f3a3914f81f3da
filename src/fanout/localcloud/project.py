"""Deploy this project (template.yaml and a Flink artifact) into a local cloud."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fanout.artifact import ArtifactSourceError, artifact_entries, find_project_root, zip_bytes
from fanout.localcloud.deploy import LocalDeployment, deploy
from fanout.localcloud.server import ACCOUNT
from fanout.sam.template import find_template

LOCAL_KNOBS: Mapping[str, str] = MappingProxyType({"POLL_INTERVAL_SECONDS": "1", "TRANSITION_CEILING_SECONDS": "60"})
"""Function settings for the offline runtime: transitions take seconds locally, not minutes."""


def stand_in_artifact(root: Path) -> bytes:
    """The artifact exactly as `fanout artifact build` lays it out, minus the connector jar (none offline).

    ``root`` is the template's folder; a template kept elsewhere gets the project's job and SQL.
    """
    try:
        project = find_project_root(root)
    except ArtifactSourceError:
        project = find_project_root()
    return zip_bytes(artifact_entries(project))


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
    cloud.client("s3").put_object(
        Bucket=outputs["ArtifactBucketName"], Key=outputs["ArtifactKey"], Body=stand_in_artifact(path.parent)
    )
    return deployment
