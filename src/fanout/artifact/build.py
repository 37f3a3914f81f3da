"""Build the Flink artifact zip and upload it to the stack's artifact bucket.

Example:
    >>> result = build_artifact(Path("dist/fanout-flink.zip"))  # fetches the connector jar once
    >>> upload_artifact(boto3.client("s3"), result.path, "my-artifact-bucket", "flink/fanout-app.zip")
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.artifact.connector import MavenJar, Opener, connector_for, fetch_jar, file_digest, open_url
from fanout.artifact.exceptions import ArtifactContentError, ArtifactUploadError, StandInArtifactError
from fanout.artifact.inspect import artifact_runtime, stand_in_jar
from fanout.artifact.layout import artifact_entries, find_project_root, jar_entry, write_zip
from fanout.runtimes import DEFAULT_RUNTIME, RUNTIME_METADATA, connector_jar_name

DEFAULT_OUT = Path("dist") / "fanout-flink.zip"


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
    stand_in: bool = False


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
    stand_in: bool = False,
) -> BuildResult:
    """Fetch and verify the connector jar of ``runtime`` (or ``jar``), then write ``main.py``, the SQL, the shipped
    modules and ``lib/<jar>``. ``stand_in``: no download, a stand-in jar of the same name (offline only: the
    upload to AWS refuses it)."""
    entries = artifact_entries(find_project_root(root))
    if stand_in:
        jar_path = _stand_in_file(runtime)
    else:
        jar_path = fetch_jar(jar or connector_for(runtime), repository=repository, cache_dir=cache_dir, opener=opener)
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
        stand_in=stand_in,
    )


def _stand_in_file(runtime: str) -> Path:
    """The stand-in jar of ``runtime``, written under the temporary folder with the real jar's name."""
    folder = Path(tempfile.mkdtemp(prefix="fanout-stand-in-"))
    path = folder / connector_jar_name(runtime)
    path.write_bytes(stand_in_jar(runtime))
    return path


def upload_artifact(
    s3: Any,
    path: Path,
    bucket: str,
    key: str,
    runtime: str | None = None,
    *,
    allow_stand_in: bool = False,
) -> UploadResult:
    """Upload the zip to ``s3://bucket/key`` and return the new object version.

    The lifecycle's create/update step pins the application to that version, and moves a READY
    application to a newer one with UpdateApplication. The runtime whose connector the zip carries is read from
    the zip and kept in the object's metadata (``flink-runtime``); ``runtime``, when given, must be that one.
    A stand-in jar goes only where ``allow_stand_in`` (a local endpoint): StandInArtifactError otherwise.
    """
    sha256 = file_digest(path, "sha256")
    contents = artifact_runtime(path.read_bytes())
    if runtime is not None and contents.runtime not in (None, runtime):
        raise ArtifactContentError(
            f"{path} ships the connector jar of {contents.runtime} ({contents.jar}), not of {runtime}: "
            f"build it with `fanout artifact build --runtime {runtime}`"
        )
    if contents.stand_in and not allow_stand_in:
        raise StandInArtifactError(
            f"{path} ships a stand-in connector jar ({contents.jar}), made for the offline cloud: on AWS the job "
            "would fail to start; build it with `fanout artifact build` (it downloads the real jar)"
        )
    shipped = contents.runtime or runtime
    metadata = {"sha256": sha256, **({RUNTIME_METADATA: shipped} if shipped else {})}
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
