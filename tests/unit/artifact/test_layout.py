"""The artifact's layout and pins, without network: what goes where, and what main.py may import on Managed Flink."""

from __future__ import annotations

import ast
import io
import sys
import zipfile
from pathlib import Path

import pytest

from fanout.artifact import (
    CONNECTOR,
    MAVEN_CENTRAL,
    ArtifactSourceError,
    InvalidRepositoryError,
    artifact_entries,
    find_project_root,
    zip_bytes,
)
from fanout.artifact.connector import connector_for, default_cache_dir, default_repository
from fanout.artifact.inspect import ArtifactContents, artifact_runtime
from fanout.artifact.layout import SHIPPED_MODULES, jar_entry
from fanout.lifecycle.spec import ApplicationSpec
from fanout.localcloud.project import stand_in_artifact
from fanout.runtimes import RUNTIMES, connector_jar_name
from tests.support import ROOT


def test_connector_url_follows_maven_layout() -> None:
    # WHEN the pinned connector's URL is built for Maven Central
    url = CONNECTOR.url(MAVEN_CENTRAL + "/")
    # THEN it is the standard path of group/artifact/version
    assert url == (
        "https://repo1.maven.org/maven2/org/apache/flink/flink-sql-connector-aws-kinesis-streams/"
        "5.1.0-1.20/flink-sql-connector-aws-kinesis-streams-5.1.0-1.20.jar"
    )


@pytest.mark.parametrize("runtime", ["FLINK-1_20", "FLINK-2_2"])
def test_connector_jar_entry_is_the_jarfile_the_lifecycle_configures(runtime: str) -> None:
    # GIVEN the application spec of a runtime
    spec = ApplicationSpec(
        application_name="app",
        runtime=runtime,
        service_role_arn="arn:aws:iam::123456789012:role/flink",
        artifact_bucket="bucket",
        artifact_key="app.zip",
    )
    # THEN the run option `jarfile` it is created with names the jar the zip of that runtime holds
    assert jar_entry(Path(connector_for(runtime).file_name)) == spec.jar_file


def test_default_repository_flag_beats_env_beats_maven_central() -> None:
    environ = {"FANOUT_MAVEN_REPOSITORY": "https://mirror.example/maven2"}
    assert default_repository("https://flag.example", environ) == "https://flag.example"
    assert default_repository(None, environ) == "https://mirror.example/maven2"
    assert default_repository(None, {}) == MAVEN_CENTRAL


@pytest.mark.parametrize("url", ["http://mirror.example/maven2", "http://repo1.maven.org/maven2"])
def test_plain_http_repositories_are_refused(url: str) -> None:
    # GIVEN a repository over plain HTTP (the jar and its published checksum could both be swapped on the way)
    # WHEN / THEN it is refused with the way out; only a mirror on this machine may use http://
    with pytest.raises(InvalidRepositoryError, match="plain HTTP"):
        default_repository(url, {})
    assert default_repository("http://127.0.0.1:8080/maven2", {}) == "http://127.0.0.1:8080/maven2"


def test_default_cache_dir_flag_beats_env_beats_dot_cache(tmp_path: Path) -> None:
    environ = {"FANOUT_CACHE_DIR": str(tmp_path / "env")}
    assert default_cache_dir(tmp_path / "flag", environ) == tmp_path / "flag"
    assert default_cache_dir(None, environ) == tmp_path / "env"
    assert default_cache_dir(None, {}) == Path(".cache/fanout")


def test_artifact_entries_put_main_and_sql_at_the_root() -> None:
    # WHEN the entries of this project are listed
    entries = artifact_entries(ROOT)
    # THEN main.py and the SQL are at the root, next to the shipped modules, each from the project
    assert set(entries) == {"main.py", "fanout.sql", *SHIPPED_MODULES}
    assert entries["main.py"] == ROOT / "flink" / "main.py"
    assert entries["fanout.sql"] == ROOT / "sql" / "fanout.sql"


def test_shipped_modules_import_only_the_stdlib_and_each_other() -> None:
    # GIVEN main.py and the modules shipped with it (Managed Flink installs no pip requirements)
    entries = artifact_entries(ROOT)
    shipped = {name.removesuffix(".py").replace("/", ".") for name in SHIPPED_MODULES}
    for name in ("main.py", *SHIPPED_MODULES):
        tree = ast.parse(entries[name].read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {
            f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in shipped else str(node.module)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
            for alias in node.names
        }
        # WHEN its top-level imports are checked (pyflink is imported inside submit() only)
        outside = {
            m for m in imported if m not in shipped and m.split(".")[0] not in sys.stdlib_module_names | {"pyflink"}
        }
        # THEN none needs anything the zip does not carry
        assert outside == set(), f"{name} imports {outside}"


def test_zip_bytes_same_files_same_bytes() -> None:
    # WHEN the same entries are zipped twice
    entries = artifact_entries(ROOT)
    first, second = zip_bytes(entries), zip_bytes(entries)
    # THEN the bytes are identical (fixed timestamps, sorted names)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.namelist() == sorted(entries)


def test_find_project_root_without_the_job_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactSourceError, match=r"flink/main\.py"):
        find_project_root(tmp_path)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_stand_in_artifact_has_the_real_layout_with_a_stand_in_jar(runtime: str) -> None:
    # WHEN the offline runtime's stand-in artifact is built for a runtime
    data = stand_in_artifact(ROOT, runtime)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        sql = zf.read("fanout.sql")
    # THEN it has the real artifact's names plus lib/<that runtime's connector jar>, which says it stands in
    assert names == sorted([*artifact_entries(ROOT), f"lib/{connector_jar_name(runtime)}"])
    assert sql == (ROOT / "sql" / "fanout.sql").read_bytes()
    assert artifact_runtime(data) == ArtifactContents(runtime, f"lib/{connector_jar_name(runtime)}", stand_in=True)


@pytest.mark.parametrize("bad", ["notaurl", "repo1.maven.org/maven2", "ftp://mirror.example/maven2", "http:/x"])
def test_default_repository_not_a_url_is_a_named_error(bad: str) -> None:
    # GIVEN a repository setting that is no http(s):// or file:// URL (a flag or the variable)
    # WHEN resolved THEN a named error says so and how to fix it, instead of urllib's bare ValueError at download
    with pytest.raises(InvalidRepositoryError, match="--repository or FANOUT_MAVEN_REPOSITORY"):
        default_repository(bad, {})
    with pytest.raises(InvalidRepositoryError):
        default_repository(None, {"FANOUT_MAVEN_REPOSITORY": bad})


def test_default_repository_file_url_is_accepted() -> None:
    # GIVEN a local mirror WHEN resolved THEN it is kept as given
    assert default_repository("file:///srv/maven", {}) == "file:///srv/maven"
