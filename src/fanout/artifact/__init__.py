"""The Flink application artifact: a zip with main.py, the SQL and the connector jar, built and uploaded.

``build_artifact()`` fetches the pinned connector jar (checksum verified, cached), writes the zip;
``upload_artifact(s3, path, bucket, key)`` puts it in the stack's artifact bucket and returns the S3
object version the lifecycle then runs. ``fanout artifact build`` / ``fanout artifact publish`` wrap them.
"""

from __future__ import annotations

from fanout.artifact.build import (
    DEFAULT_OUT,
    RUNTIME_METADATA,
    BuildResult,
    UploadResult,
    build_artifact,
    upload_artifact,
)
from fanout.artifact.connector import CONNECTOR, CONNECTORS, MAVEN_CENTRAL, MavenJar, connector_for, fetch_jar
from fanout.artifact.exceptions import (
    ArtifactError,
    ArtifactSourceError,
    ArtifactUploadError,
    ChecksumMismatchError,
    InvalidRepositoryError,
    JarNotFoundError,
    RepositoryUnreachableError,
)
from fanout.artifact.layout import artifact_entries, find_project_root, zip_bytes

__all__ = [
    "CONNECTOR",
    "CONNECTORS",
    "DEFAULT_OUT",
    "MAVEN_CENTRAL",
    "RUNTIME_METADATA",
    "ArtifactError",
    "ArtifactSourceError",
    "ArtifactUploadError",
    "BuildResult",
    "ChecksumMismatchError",
    "InvalidRepositoryError",
    "JarNotFoundError",
    "MavenJar",
    "RepositoryUnreachableError",
    "UploadResult",
    "artifact_entries",
    "build_artifact",
    "connector_for",
    "fetch_jar",
    "find_project_root",
    "upload_artifact",
    "zip_bytes",
]
