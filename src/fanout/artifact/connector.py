"""The connector jar: pinned Maven coordinates, fetched at build time, verified, and cached.

The pin lives here and nowhere else. ``CONNECTOR.sha256`` (and ``sha1``) are the expected digests of the
jar when they are known: then nothing the repository publishes can change what is accepted. While they are
``None`` the jar is checked against the ``.sha1`` file the repository publishes next to it (Maven Central
publishes one for every file), which catches a corrupted or truncated download, over HTTPS only.
``fanout artifact build`` prints the jar's SHA-256: pin it here once you have checked it.

Example:
    >>> CONNECTOR.url("https://repo1.maven.org/maven2").endswith("5.1.0-1.20.jar")
    True
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from fanout import env
from fanout.artifact.exceptions import (
    ChecksumMismatchError,
    InvalidRepositoryError,
    JarNotFoundError,
    RepositoryUnreachableError,
)
from fanout.runtimes import CONNECTOR_ARTIFACT, CONNECTOR_GROUP, CONNECTOR_VERSIONS, DEFAULT_RUNTIME, check_runtime

MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_CACHE_DIR = Path(".cache") / "fanout"
CHUNK = 1 << 20

Opener = Callable[[str, float], IO[bytes]]
"""Opens a URL with a timeout (``urllib.request.urlopen`` by default; tests may pass another)."""


@dataclass(frozen=True)
class MavenJar:
    """A jar on a Maven repository, by coordinates, with its expected SHA-1 when pinned."""

    group: str
    artifact: str
    version: str
    sha1: str | None = None
    sha256: str | None = None  # when pinned, the download must have it, whatever the repository publishes

    @property
    def file_name(self) -> str:
        """The jar's file name, as Maven names it (and as it goes into the artifact's ``lib/``)."""
        return f"{self.artifact}-{self.version}.jar"

    @property
    def path(self) -> str:
        """The jar's path under a repository's base URL."""
        return f"{self.group.replace('.', '/')}/{self.artifact}/{self.version}/{self.file_name}"

    def url(self, repository: str) -> str:
        """The jar's download URL on ``repository``."""
        return f"{repository.rstrip('/')}/{self.path}"


CONNECTORS: dict[str, MavenJar] = {
    runtime: MavenJar(group=CONNECTOR_GROUP, artifact=CONNECTOR_ARTIFACT, version=version)
    for runtime, version in CONNECTOR_VERSIONS.items()
}
"""The Kinesis connector the artifact ships in ``lib/``, by runtime."""

CONNECTOR = CONNECTORS[DEFAULT_RUNTIME]
"""The default runtime's connector."""


def connector_for(runtime: str) -> MavenJar:
    """The connector jar for ``runtime`` (UnsupportedRuntimeError for one the project does not run on)."""
    return CONNECTORS[check_runtime(runtime)]


def default_repository(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The repository base URL: explicit > FANOUT_MAVEN_REPOSITORY > Maven Central.

    Raises InvalidRepositoryError unless it is an http://, https:// or file:// URL (urllib would fail with a
    bare ValueError, "unknown url type").
    """
    environ = os.environ if environ is None else environ
    repository = explicit or environ.get(env.FANOUT_MAVEN_REPOSITORY) or MAVEN_CENTRAL
    parts = urllib.parse.urlsplit(repository)
    if parts.scheme not in ("http", "https", "file") or not (parts.netloc or parts.scheme == "file"):
        raise InvalidRepositoryError(
            f"Maven repository {repository!r} is not an https:// or file:// URL: fix --repository or "
            f"{env.FANOUT_MAVEN_REPOSITORY} (default: {MAVEN_CENTRAL})"
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise InvalidRepositoryError(
            f"Maven repository {repository!r} is plain HTTP: the jar and its checksum could be swapped on the way. "
            f"Use its https:// URL (plain http:// is accepted only for a mirror on this machine: "
            f"{', '.join(sorted(LOOPBACK))})"
        )
    return repository


def default_cache_dir(explicit: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The download cache: explicit > FANOUT_CACHE_DIR > ``.cache/fanout`` under the current directory."""
    environ = os.environ if environ is None else environ
    return explicit or Path(environ.get(env.FANOUT_CACHE_DIR) or DEFAULT_CACHE_DIR)


def open_url(url: str, timeout: float) -> IO[bytes]:
    """Open `url` with urllib (the default Opener)."""
    return urllib.request.urlopen(url, timeout=timeout)


def _fetch(url: str, repository: str, opener: Opener, timeout: float) -> IO[bytes]:
    try:
        return opener(url, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise JarNotFoundError(f"{url} does not exist (HTTP 404): check the pinned coordinates") from exc
        raise RepositoryUnreachableError(
            f"{repository} answered HTTP {exc.code} for {url}. The real download happens on your machine; "
            f"retry, or point --repository / {env.FANOUT_MAVEN_REPOSITORY} at a mirror"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RepositoryUnreachableError(
            f"cannot reach {repository} to download {url.rsplit('/', 1)[-1]} ({reason}). The real download "
            f"happens on your machine: it needs access to Maven Central, or set --repository / "
            f"{env.FANOUT_MAVEN_REPOSITORY} to a mirror you can reach"
        ) from exc


def published_sha1(jar: MavenJar, repository: str, *, opener: Opener = open_url, timeout: float = 30.0) -> str:
    """The SHA-1 the repository publishes next to the jar (``<jar url>.sha1``)."""
    url = jar.url(repository) + ".sha1"
    with _fetch(url, repository, opener, timeout) as response:
        text = response.read(4096).decode("ascii", "replace").strip()
    digest = text.split()[0].lower() if text else ""
    if len(digest) != 40 or any(c not in "0123456789abcdef" for c in digest):
        raise ChecksumMismatchError(f"{url} does not hold a SHA-1 digest: {text[:60]!r}")
    return digest


def file_digest(path: Path, algorithm: str = "sha1") -> str:
    """The hex digest of a file."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


def fetch_jar(
    jar: MavenJar,
    *,
    repository: str | None = None,
    cache_dir: Path | None = None,
    opener: Opener = open_url,
    timeout: float = 60.0,
) -> Path:
    """Download ``jar`` into the cache (unless a verified copy is there) and return its path.

    The digest is checked before the jar enters the cache; a mismatch raises ChecksumMismatchError and
    leaves nothing behind. Example: ``fetch_jar(CONNECTOR)`` (needs access to Maven Central).
    """
    repository = default_repository(repository)
    folder = default_cache_dir(cache_dir) / "maven" / Path(jar.path).parent
    target = folder / jar.file_name
    sidecar = folder / (jar.file_name + ".sha1")
    if target.is_file():
        cached = jar.sha1 or (sidecar.read_text().strip() if sidecar.is_file() else None)
        if cached and file_digest(target) == cached and (not jar.sha256 or file_digest(target, "sha256") == jar.sha256):
            return target
    expected = jar.sha1 or published_sha1(jar, repository, opener=opener, timeout=timeout)
    folder.mkdir(parents=True, exist_ok=True)
    url = jar.url(repository)
    digest = hashlib.sha1()  # the algorithm of the published checksum; integrity, not a signature
    with (
        _fetch(url, repository, opener, timeout) as response,
        tempfile.NamedTemporaryFile(dir=folder, prefix=".download-", delete=False) as out,
    ):
        try:
            while chunk := response.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        except OSError as exc:
            out.close()
            Path(out.name).unlink(missing_ok=True)
            raise RepositoryUnreachableError(f"the download of {url} broke off: {exc}") from exc
    if digest.hexdigest() != expected:
        Path(out.name).unlink(missing_ok=True)
        raise ChecksumMismatchError(
            f"{jar.file_name} from {repository} has SHA-1 {digest.hexdigest()}, expected {expected}: "
            "the download is corrupt or not the pinned release; nothing was cached and no zip was written"
        )
    if jar.sha256 and file_digest(Path(out.name), "sha256") != jar.sha256:
        actual = file_digest(Path(out.name), "sha256")
        Path(out.name).unlink(missing_ok=True)
        raise ChecksumMismatchError(
            f"{jar.file_name} from {repository} has SHA-256 {actual}, pinned {jar.sha256}: not the pinned "
            "release; nothing was cached and no zip was written"
        )
    os.replace(out.name, target)
    sidecar.write_text(expected + "\n")
    return target
