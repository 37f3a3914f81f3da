"""Deploy this project (template.yaml and a Flink artifact) into a local cloud."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fanout.localcloud.deploy import LocalDeployment, deploy
from fanout.localcloud.exceptions import LocalCloudError
from fanout.localcloud.server import ACCOUNT

LOCAL_KNOBS = {"POLL_INTERVAL_SECONDS": "1", "TRANSITION_CEILING_SECONDS": "60"}
"""Function settings for the offline runtime: transitions take seconds locally, not minutes."""


def find_template(explicit: Path | None = None) -> Path:
    """The project's template: explicit path > ./template.yaml or a parent's > the source checkout's."""
    if explicit is not None:
        if not explicit.is_file():
            raise LocalCloudError(f"template {explicit} does not exist")
        return explicit
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "template.yaml").is_file() and (folder / "statemachines").is_dir():
            return folder / "template.yaml"
    checkout = Path(__file__).resolve().parents[3] / "template.yaml"
    if checkout.is_file():
        return checkout
    raise LocalCloudError("template.yaml not found: run from the project folder or pass --template")


def stand_in_artifact(root: Path) -> bytes:
    """A zip with the job's Python and SQL, laid out like the real artifact (no connector jar offline)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for pattern, arc in (("flink/*.py", ""), ("sql/*.sql", "")):
            for path in sorted(root.glob(pattern)):
                zf.write(path, arc + path.name)
    return buf.getvalue()


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
