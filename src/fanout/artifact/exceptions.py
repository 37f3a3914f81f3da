"""Errors of the Flink artifact build and upload."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class ArtifactError(FanoutError):
    """Base of the errors of building or uploading the Flink artifact."""


class ArtifactSourceError(ArtifactError):
    """A file the artifact needs (flink/main.py, the SQL, a shipped module) is missing from the project."""


class InvalidRepositoryError(ArtifactError):
    """The Maven repository setting (--repository, FANOUT_MAVEN_REPOSITORY) is not an http(s):// or file:// URL."""


class RepositoryUnreachableError(ArtifactError):
    """The Maven repository could not be reached to download the connector jar or its checksum."""


class JarNotFoundError(ArtifactError):
    """The Maven repository answered, but has no such jar (or checksum file) at the pinned coordinates."""


class ChecksumMismatchError(ArtifactError):
    """The downloaded jar's digest differs from the expected one: nothing was cached and no zip was written."""


class ArtifactUploadError(ArtifactError):
    """The artifact bucket does not exist or the upload was refused."""


class ArtifactContentError(ArtifactError):
    """The artifact is not a zip, or ships connector jars for more than one runtime."""


class ArtifactObjectMissingError(ArtifactError):
    """The artifact object (or the version asked for) is not in the bucket."""


class StandInArtifactError(ArtifactError):
    """A stand-in connector jar (offline builds) was about to go to AWS, where the job would fail to start."""
