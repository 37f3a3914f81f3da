"""Build the Flink artifact zip and upload it to the stack's artifact bucket.

Example:
    >>> result = build_artifact(Path("dist/fanout-flink.zip"))  # fetches the connector jar once
    >>> upload_artifact(boto3.client("s3"), result.path, "my-artifact-bucket", "flink/fanout-app.zip")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.artifact.connector import MavenJar, Opener, connector_for, fetch_jar, file_digest, open_url
from fanout.artifact.exceptions import ArtifactUploadError
from fanout.artifact.layout import artifact_entries, find_project_root, jar_entry, write_zip
from fanout.runtimes import DEFAULT_RUNTIME

DEFAULT_OUT = Path("dist") / "fanout-flink.zip"
RUNTIME_METADATA = "flink-runtime"
"""The artifact object's user metadata key that names the runtime its connector jar is for."""


@dataclass(frozen=True)
class BuildResult:
    """A built artifact: where it is, what is in it, and the digests to check it by."""

    path: Path
    entries: tuple[str, ...]
    jar: str
    jar_sha1: str
    sha256: str
    jar_sha256: str = ""
    runtime: str = DEFAULT_RUNTIME


@dataclass(frozen=True)
class UploadResult:
    """An uploaded artifact: its S3 location and object version (None on an unversioned bucket)."""

    bucket: str
    key: str
    version_id: str | None
    sha256: str


def build_artifact(
    out: Path = DEFAULT_OUT,
    *,
    root: Path | None = None,
    runtime: str = DEFAULT_RUNTIME,
    jar: MavenJar | None = None,
    repository: str | None = None,
    cache_dir: Path | None = None,
    opener: Opener = open_url,
) -> BuildResult:
    """Fetch and verify the connector jar of ``runtime`` (or ``jar``), then write ``main.py``, the SQL, the shipped
    modules and ``lib/<jar>``."""
    jar = jar or connector_for(runtime)
    entries = artifact_entries(find_project_root(root))
    jar_path = fetch_jar(jar, repository=repository, cache_dir=cache_dir, opener=opener)
    entries[jar_entry(jar_path)] = jar_path
    write_zip(entries, out)
    return BuildResult(
        path=out,
        entries=tuple(sorted(entries)),
        jar=jar_entry(jar_path),
        jar_sha1=file_digest(jar_path),
        sha256=file_digest(out, "sha256"),
        jar_sha256=file_digest(jar_path, "sha256"),
        runtime=runtime,
    )


def upload_artifact(s3: Any, path: Path, bucket: str, key: str, runtime: str | None = None) -> UploadResult:
    """Upload the zip to ``s3://bucket/key`` and return the new object version.

    The lifecycle's create/update step pins the application to that version, and moves a READY
    application to a newer one with UpdateApplication. ``runtime``, when known, is kept in the object's
    metadata (``flink-runtime``): the runtime whose connector the zip carries.
    """
    sha256 = file_digest(path, "sha256")
    metadata = {"sha256": sha256, **({RUNTIME_METADATA: runtime} if runtime else {})}
    try:
        with path.open("rb") as body:
            response = s3.put_object(
                Bucket=bucket, Key=key, Body=body, ContentType="application/zip", Metadata=metadata
            )
    except ClientError as exc:
        code = aws_errors.error_code(exc)
        if code in {"NoSuchBucket", "404"}:
            raise ArtifactUploadError(f"the artifact bucket {bucket!r} does not exist: deploy the stack first") from exc
        raise
    version = response.get("VersionId")
    return UploadResult(bucket, key, None if version in (None, "null") else str(version), sha256)
