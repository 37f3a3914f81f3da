"""What an artifact zip is for: the runtime whose connector jar it ships, read from the zip or its S3 metadata.

The upgrade checks it (a 1.20 connector on 2.2 fails the job), and so does the local Managed Flink when a job
starts. Offline, a stand-in jar takes the connector's place: same name, a manifest that says it stands in.

Example:
    >>> artifact_runtime(stand_in_zip({"main.py": b""}, "FLINK-2_2")).runtime
    'FLINK-2_2'
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.artifact.exceptions import ArtifactContentError, ArtifactObjectMissingError
from fanout.artifact.layout import LIB_DIR
from fanout.runtimes import connector_jar_name, runtime_of_jar

STAND_IN_ATTRIBUTE = "Fanout-Stand-In"
"""The manifest attribute that marks a stand-in connector jar (offline: the real jar cannot be downloaded)."""


@dataclass(frozen=True)
class ArtifactContents:
    """The connector jar an artifact ships: its runtime (None: no connector jar), its name, and whether it is a
    stand-in."""

    runtime: str | None
    jar: str | None
    stand_in: bool = False


def stand_in_jar(runtime: str) -> bytes:
    """A jar with only a manifest, named and placed as ``runtime``'s connector jar is, that says it stands in."""
    manifest = (
        f"Manifest-Version: 1.0\r\n{STAND_IN_ATTRIBUTE}: true\r\n"
        f"Implementation-Title: stand-in for {connector_jar_name(runtime)}\r\n\r\n"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as jar:
        jar.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", date_time=(1980, 1, 1, 0, 0, 0)), manifest)
    return buf.getvalue()


def stand_in_zip(files: dict[str, bytes], runtime: str) -> bytes:
    """``files`` plus ``lib/<runtime's connector jar>`` as a stand-in, zipped (tests and the offline cloud)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in sorted({**files, f"{LIB_DIR}/{connector_jar_name(runtime)}": stand_in_jar(runtime)}.items()):
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def _is_stand_in(jar: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(jar)) as zf:
            return f"{STAND_IN_ATTRIBUTE}: true" in zf.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return False


def artifact_runtime(data: bytes) -> ArtifactContents:
    """The connector jar in the zip ``data`` and the runtime it is for; ArtifactContentError for a file that is not
    a zip, or a zip with connector jars for more than one runtime."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            jars = [name for name in zf.namelist() if name.startswith(f"{LIB_DIR}/") and name.endswith(".jar")]
            found = {name: runtime for name in jars if (runtime := runtime_of_jar(name)) is not None}
            if len(found) > 1:
                raise ArtifactContentError(
                    f"the artifact ships connector jars for more than one runtime ({', '.join(sorted(found))}): "
                    "Flink would load both; build it again with `fanout artifact build --runtime ...`"
                )
            if not found:
                return ArtifactContents(None, jars[0] if jars else None)
            ((jar, runtime),) = found.items()
            return ArtifactContents(runtime, jar, _is_stand_in(zf.read(jar)))
    except zipfile.BadZipFile as exc:
        raise ArtifactContentError(f"the artifact is not a zip file: {exc}") from exc


def object_runtime(s3: Any, bucket: str, key: str, version: str | None = None) -> ArtifactContents:
    """What the artifact object ``s3://bucket/key`` (at ``version``) ships: read from the zip itself, so an artifact
    published without metadata, or with metadata that no longer says the truth, is judged by its content.

    ArtifactObjectMissingError when the object (or that version) does not exist."""
    args = {"Bucket": bucket, "Key": key, **({"VersionId": version} if version else {})}
    try:
        body = s3.get_object(**args)["Body"].read()
    except ClientError as exc:
        if aws_errors.error_code(exc) in aws_errors.S3_MISSING | {"NoSuchVersion", "InvalidArgument"}:
            where = f"s3://{bucket}/{key}" + (f" version {version}" if version else "")
            raise ArtifactObjectMissingError(f"the Flink artifact {where} does not exist") from exc
        raise
    return artifact_runtime(body)
