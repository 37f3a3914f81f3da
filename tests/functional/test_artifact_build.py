"""The artifact build against a stand-in Maven repository on 127.0.0.1, the upload to moto, and the zip run alone.

The real jar comes from Maven Central on the user's machine; here a local http.server serves a stand-in
jar and its published ``.sha1``, so the fetch, the verification, the cache and the layout are tested offline.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fanout import cli
from fanout.artifact import (
    CONNECTOR,
    CONNECTORS,
    ArtifactUploadError,
    ChecksumMismatchError,
    JarNotFoundError,
    MavenJar,
    RepositoryUnreachableError,
    build_artifact,
    upload_artifact,
)
from fanout.artifact.connector import fetch_jar
from fanout.artifact.exceptions import ArtifactContentError, StandInArtifactError
from fanout.artifact.inspect import stand_in_zip
from fanout.artifact.layout import SHIPPED_MODULES
from fanout.exceptions import UnsupportedRuntimeError
from fanout.lifecycle.position import UNUSED_TIMESTAMP
from fanout.runtimes import FLINK_1_20, FLINK_2_2
from tests.conftest import Cloud
from tests.support import ROOT


def stand_in_jar() -> bytes:
    """A small but well-formed jar."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nCreated-By: kinesis-fanout tests\n")
    return buf.getvalue()


@dataclass
class Repository:
    """A Maven repository served from a folder on 127.0.0.1; `requests` lists the paths asked for."""

    url: str
    folder: Path
    jar: bytes
    requests: list[str] = field(default_factory=list)

    def publish(self, sha1: str | None = None, jar: MavenJar = CONNECTOR) -> None:
        """Put the stand-in jar and its .sha1 (the real digest unless `sha1` says otherwise) in place."""
        target = self.folder / jar.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.jar)
        digest = sha1 or hashlib.sha1(self.jar).hexdigest()
        Path(f"{target}.sha1").write_text(f"{digest}  {jar.file_name}\n")


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[Repository]:
    """A stand-in Maven repository (http.server in a thread), with the connector jar published."""
    www = tmp_path / "www"
    folder = www / "maven2"
    folder.mkdir(parents=True)
    repo = Repository(url="", folder=folder, jar=stand_in_jar())

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            repo.requests.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    repo.url = f"http://127.0.0.1:{server.server_address[1]}/maven2"
    repo.publish()
    yield repo
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_build_artifact_served_jar_lays_out_the_zip(repository: Repository, tmp_path: Path) -> None:
    # WHEN the artifact is built against the stand-in repository
    result = build_artifact(tmp_path / "dist" / "fanout-flink.zip", repository=repository.url, cache_dir=tmp_path)
    # THEN main.py is at the root, with the SQL, the shipped modules and exactly one jar in lib/
    with zipfile.ZipFile(result.path) as zf:
        names = zf.namelist()
        assert zf.read("main.py") == (ROOT / "flink" / "main.py").read_bytes()
        assert zf.read("fanout.sql") == (ROOT / "sql" / "fanout.sql").read_bytes()
        jars = [n for n in names if n.startswith("lib/")]
        assert jars == [f"lib/{CONNECTOR.file_name}"]
        assert zf.read(jars[0]) == repository.jar
    assert set(names) == {"main.py", "fanout.sql", *SHIPPED_MODULES, *jars}
    assert result.jar_sha1 == hashlib.sha1(repository.jar).hexdigest()
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()


def test_build_artifact_second_build_uses_the_cache(repository: Repository, tmp_path: Path) -> None:
    # GIVEN one build done
    build_artifact(tmp_path / "a.zip", repository=repository.url, cache_dir=tmp_path / "cache")
    jar_requests = sum(p.endswith(".jar") for p in repository.requests)
    # WHEN another build runs with the same cache
    second = build_artifact(tmp_path / "b.zip", repository=repository.url, cache_dir=tmp_path / "cache")
    # THEN the jar was downloaded once, and the second zip is byte for byte the first
    assert jar_requests == 1
    assert sum(p.endswith(".jar") for p in repository.requests) == 1
    assert second.path.read_bytes() == (tmp_path / "a.zip").read_bytes()


def test_build_artifact_checksum_mismatch_writes_no_zip(repository: Repository, tmp_path: Path) -> None:
    # GIVEN a repository whose published .sha1 does not match the jar it serves
    repository.publish(sha1="0" * 40)
    out = tmp_path / "dist" / "fanout-flink.zip"
    # WHEN the artifact is built
    with pytest.raises(ChecksumMismatchError, match=r"expected 0{40}"):
        build_artifact(out, repository=repository.url, cache_dir=tmp_path / "cache")
    # THEN no zip was written and nothing entered the cache
    assert not out.exists()
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []


def test_a_pinned_sha256_is_checked_whatever_the_repository_publishes(repository: Repository, tmp_path: Path) -> None:
    # GIVEN a repository that serves a jar with a matching .sha1 (it could be swapped together with its .sha1)
    wrong = dataclasses.replace(CONNECTOR, sha256="0" * 64)
    right = dataclasses.replace(CONNECTOR, sha256=hashlib.sha256(repository.jar).hexdigest())
    # WHEN the jar is fetched with a pinned SHA-256 THEN only the pinned content passes, and nothing else is cached
    with pytest.raises(ChecksumMismatchError, match=r"pinned 0{64}"):
        fetch_jar(wrong, repository=repository.url, cache_dir=tmp_path / "cache")
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []
    assert fetch_jar(right, repository=repository.url, cache_dir=tmp_path / "cache").read_bytes() == repository.jar
    # AND a cached copy that no longer matches the pin is fetched again, not trusted
    with pytest.raises(ChecksumMismatchError):
        fetch_jar(wrong, repository=repository.url, cache_dir=tmp_path / "cache")


def test_build_artifact_unreachable_repository_says_the_download_happens_on_your_machine(tmp_path: Path) -> None:
    # GIVEN a repository URL nobody answers
    url = f"http://127.0.0.1:{free_port()}/maven2"
    out = tmp_path / "fanout-flink.zip"
    # WHEN / THEN the build fails with a named error that explains where the real download happens
    with pytest.raises(RepositoryUnreachableError, match="real download happens on your machine"):
        build_artifact(out, repository=url, cache_dir=tmp_path / "cache")
    assert not out.exists()


def test_build_artifact_missing_jar_is_jar_not_found(repository: Repository, tmp_path: Path) -> None:
    # GIVEN a repository without the pinned version
    (repository.folder / CONNECTOR.path).unlink()
    # WHEN / THEN the build names what is missing
    with pytest.raises(JarNotFoundError, match="HTTP 404"):
        build_artifact(tmp_path / "a.zip", repository=repository.url, cache_dir=tmp_path / "cache")


def run_alone(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the unzipped main.py as Flink's PythonDriver does, with nothing but the zip and the stdlib.

    PythonDriver links the entry script into a temporary folder, puts that folder on the path and runs
    ``python -m main``; -S drops site-packages (no project, no pyflink) and -E ignores PYTHONPATH.
    """
    driver = folder.parent / "driver-tmp"
    driver.mkdir(exist_ok=True)
    (driver / "main.py").symlink_to(folder / "main.py")
    return subprocess.run(
        [sys.executable, "-S", "-E", "-m", "main", *args],
        cwd=driver,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("FANOUT_")},
    )


@pytest.fixture
def unzipped(repository: Repository, tmp_path: Path) -> Path:
    """The built artifact, extracted, with a local properties file."""
    result = build_artifact(tmp_path / "fanout-flink.zip", repository=repository.url, cache_dir=tmp_path / "cache")
    folder = tmp_path / "app"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(folder)
    props = {
        name: f"arn:aws:kinesis:us-east-1:123456789012:stream/{name.split('.')[0]}"
        for name in ("input.stream.arn", "positive.stream.arn", "negative.stream.arn", "rejected.stream.arn")
    }
    props.update(
        {"aws.region": "us-east-1", "source.init.position": "LATEST", "source.init.timestamp": UNUSED_TIMESTAMP}
    )
    (folder / "props.json").write_text(json.dumps([{"PropertyGroupId": "fanout", "PropertyMap": props}]))
    return folder


def test_unzipped_artifact_runs_without_the_project_installed(unzipped: Path) -> None:
    # WHEN the artifact's main.py plans the job with only the zip's contents and the stdlib, run as Flink runs it
    done = run_alone(unzipped, "--properties", str(unzipped / "props.json"), "--dry-run")
    # THEN it fills the placeholders from the SQL shipped next to it and plans the three routes
    assert done.returncode == 0, done.stderr
    assert "'stream.arn' = 'arn:aws:kinesis:us-east-1:123456789012:stream/input'" in done.stdout
    assert done.stdout.count("INSERT INTO") == 3
    assert "${" not in done.stdout.split("CREATE TABLE", 1)[1]


def test_unzipped_artifact_missing_property_fails_loudly(unzipped: Path) -> None:
    # GIVEN properties without the region
    props = json.loads((unzipped / "props.json").read_text())
    del props[0]["PropertyMap"]["aws.region"]
    (unzipped / "props.json").write_text(json.dumps(props))
    # WHEN the job starts
    done = run_alone(unzipped, "--properties", str(unzipped / "props.json"), "--dry-run")
    # THEN it exits non-zero with the named error, the placeholder and the group in the log
    assert done.returncode != 0
    assert "PlaceholderError: placeholder(s) aws.region have no property in property group 'fanout'" in done.stderr
    assert "ERROR fanout.flink" in done.stderr


def test_upload_artifact_each_upload_is_a_new_object_version(cloud: Cloud, tmp_path: Path) -> None:
    # GIVEN a versioned artifact bucket, as the template creates it
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_bucket_versioning(Bucket="artifacts", VersioningConfiguration={"Status": "Enabled"})
    zip_path = tmp_path / "fanout-flink.zip"
    zip_path.write_bytes(stand_in_jar())
    # WHEN the same zip is uploaded twice
    first = upload_artifact(s3, zip_path, "artifacts", "flink/fanout-app.zip")
    second = upload_artifact(s3, zip_path, "artifacts", "flink/fanout-app.zip")
    # THEN each upload is a new version, the latest is the current one, and the digest is recorded
    assert first.version_id and second.version_id and first.version_id != second.version_id
    head = s3.head_object(Bucket="artifacts", Key="flink/fanout-app.zip")
    assert head["VersionId"] == second.version_id
    assert head["Metadata"]["sha256"] == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    versions = s3.list_object_versions(Bucket="artifacts", Prefix="flink/fanout-app.zip")["Versions"]
    assert {v["VersionId"] for v in versions} == {first.version_id, second.version_id}


def test_upload_artifact_missing_bucket_is_an_upload_error(cloud: Cloud, tmp_path: Path) -> None:
    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(stand_in_zip({"main.py": b""}, FLINK_1_20))
    with pytest.raises(ArtifactUploadError, match="'nope' does not exist"):
        upload_artifact(cloud.client("s3"), zip_path, "nope", "key.zip", allow_stand_in=True)


def test_upload_artifact_refuses_a_file_that_is_no_zip(cloud: Cloud, tmp_path: Path) -> None:
    # GIVEN a file that only starts like a zip WHEN uploaded THEN a named error says what it is, before any upload
    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(b"PK")
    with pytest.raises(ArtifactContentError, match="not a zip file"):
        upload_artifact(cloud.client("s3"), zip_path, "nope", "key.zip")


def test_upload_artifact_checks_the_runtime_and_refuses_a_stand_in_jar_for_aws(cloud: Cloud, tmp_path: Path) -> None:
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="artifacts")
    zip_path = tmp_path / "a.zip"
    zip_path.write_bytes(stand_in_zip({"main.py": b""}, FLINK_2_2))
    # WHEN a 2.2 zip is uploaded as a 1.20 one THEN the content wins: a named error, nothing uploaded
    with pytest.raises(ArtifactContentError, match="ships the connector jar of FLINK-2_2"):
        upload_artifact(s3, zip_path, "artifacts", "a.zip", FLINK_1_20, allow_stand_in=True)
    # WHEN its stand-in jar would go to AWS THEN it is refused
    with pytest.raises(StandInArtifactError, match="stand-in connector jar"):
        upload_artifact(s3, zip_path, "artifacts", "a.zip")
    assert "Contents" not in s3.list_objects_v2(Bucket="artifacts")
    # WHEN it goes to a local cloud THEN the metadata names the runtime read from the zip
    upload_artifact(s3, zip_path, "artifacts", "a.zip", allow_stand_in=True)
    assert s3.head_object(Bucket="artifacts", Key="a.zip")["Metadata"]["flink-runtime"] == FLINK_2_2


def test_cli_publish_builds_uploads_and_prints_the_version(
    cloud: Cloud, repository: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a versioned bucket and the stand-in repository through the environment variable
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_bucket_versioning(Bucket="artifacts", VersioningConfiguration={"Status": "Enabled"})
    monkeypatch.setenv("FANOUT_MAVEN_REPOSITORY", repository.url)
    monkeypatch.setenv("FANOUT_CACHE_DIR", str(tmp_path / "cache"))
    cli._register()
    args = ["artifact", "publish", "--bucket", "artifacts", "--key", "flink/app.zip", "--project", str(ROOT)]
    # WHEN `fanout artifact publish --json` runs
    result = CliRunner().invoke(cli.app, [*args, "--out", str(tmp_path / "out.zip"), "--json"])
    # THEN it printed the version S3 now serves, and the zip it built
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["versionId"] == s3.head_object(Bucket="artifacts", Key="flink/app.zip")["VersionId"]
    assert report["build"]["jar"] == f"lib/{CONNECTOR.file_name}"
    assert (tmp_path / "out.zip").is_file()


def test_build_artifact_for_flink_2_2_ships_the_6x_connector(repository: Repository, tmp_path: Path) -> None:
    # GIVEN the repository also serving the connector of the Flink 2.x line
    repository.publish(jar=CONNECTORS["FLINK-2_2"])
    # WHEN the artifact is built for FLINK-2_2
    result = build_artifact(tmp_path / "a.zip", runtime="FLINK-2_2", repository=repository.url, cache_dir=tmp_path)
    # THEN it ships that jar, and only that one, and says which runtime it is for
    with zipfile.ZipFile(result.path) as zf:
        assert [n for n in zf.namelist() if n.startswith("lib/")] == [
            "lib/flink-sql-connector-aws-kinesis-streams-6.0.1-2.0.jar"
        ]
    assert result.runtime == "FLINK-2_2"


def test_build_artifact_for_an_unsupported_runtime_is_a_named_error(tmp_path: Path) -> None:
    # GIVEN/WHEN a runtime the project does not run on THEN a named error lists the supported ones
    with pytest.raises(UnsupportedRuntimeError, match="FLINK-1_20, FLINK-2_2"):
        build_artifact(tmp_path / "a.zip", runtime="FLINK-1_18", cache_dir=tmp_path)


def test_cli_publish_for_flink_2_2_ships_its_connector_and_marks_the_object(
    cloud: Cloud, repository: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a bucket and the repository serving the 2.x connector
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="artifacts")
    repository.publish(jar=CONNECTORS["FLINK-2_2"])
    monkeypatch.setenv("FANOUT_MAVEN_REPOSITORY", repository.url)
    monkeypatch.setenv("FANOUT_CACHE_DIR", str(tmp_path / "cache"))
    cli._register()
    args = ["artifact", "publish", "--bucket", "artifacts", "--key", "app.zip", "--project", str(ROOT)]
    # WHEN `fanout artifact publish --runtime FLINK-2_2` runs
    result = CliRunner().invoke(cli.app, [*args, "--out", str(tmp_path / "o.zip"), "--runtime", "FLINK-2_2", "--json"])
    # THEN the zip carries the 6.x jar and the object names the runtime it was built for
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["build"]["jar"] == f"lib/{CONNECTORS['FLINK-2_2'].file_name}"
    assert s3.head_object(Bucket="artifacts", Key="app.zip")["Metadata"]["flink-runtime"] == "FLINK-2_2"


def test_cli_build_with_an_unsupported_runtime_is_a_usage_error(tmp_path: Path) -> None:
    # GIVEN/WHEN `fanout artifact build --runtime FLINK-1_15`
    cli._register()
    result = CliRunner().invoke(
        cli.app, ["artifact", "build", "--out", str(tmp_path / "a.zip"), "--runtime", "FLINK-1_15"]
    )
    # THEN it exits 2 naming the supported runtimes, with no traceback and no zip
    assert result.exit_code == 2
    assert "FLINK-1_20, FLINK-2_2" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "a.zip").exists()
