"""`fanout artifact build|publish`: the Flink application zip, built with its connector jar and uploaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import typer
from rich.console import Console

from fanout import env
from fanout.artifact import DEFAULT_OUT, BuildResult, build_artifact, connector_for, upload_artifact
from fanout.cli.common import Aws, EndpointOption, ProfileOption, RegionOption, StackOption
from fanout.exceptions import UnsupportedRuntimeError
from fanout.runtimes import DEFAULT_RUNTIME, RUNTIMES, check_runtime

console = Console()

OutOption = typer.Option(DEFAULT_OUT, "--out", "-o", help="Where to write the zip.")
RepositoryOption = typer.Option(
    None,
    "--repository",
    help=f"Maven repository base URL of the connector jar (env {env.FANOUT_MAVEN_REPOSITORY}; default: Maven Central).",
)
CacheOption = typer.Option(
    None, "--cache-dir", help=f"Download cache (env {env.FANOUT_CACHE_DIR}; default: .cache/fanout)."
)
ProjectOption = typer.Option(None, "--project", help="Project folder (default: the current folder or a parent).")
JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")
BucketOption = typer.Option(None, "--bucket", help="Artifact bucket (default: the stack's ArtifactBucketName).")
KeyOption = typer.Option(None, "--key", help="Object key (default: the stack's ArtifactKey).")
ZipOption = typer.Option(None, "--zip", exists=True, dir_okay=False, help="Upload this zip instead of building one.")
StandInOption = typer.Option(
    False,
    "--stand-in",
    help="Offline: ship a stand-in connector jar of the same name instead of downloading it (publish refuses it "
    "unless the endpoint is a local cloud).",
)
RuntimeOption = typer.Option(
    None,
    "--runtime",
    help=f"Managed Flink runtime whose connector jar to ship: {', '.join(RUNTIMES)} "
    f"(publish: default the stack's FlinkRuntime; build: {DEFAULT_RUNTIME}).",
)


def _runtime(value: str | None) -> str:
    """The --runtime value, checked: a bad one is a usage error that names the supported runtimes."""
    try:
        return check_runtime(value or DEFAULT_RUNTIME)
    except UnsupportedRuntimeError as exc:
        raise typer.BadParameter(str(exc), param_hint="--runtime") from exc


def _build(
    out: Path, repository: str | None, cache_dir: Path | None, project: Path | None, runtime: str, stand_in: bool
) -> BuildResult:
    return build_artifact(
        out, root=project, runtime=runtime, repository=repository, cache_dir=cache_dir, stand_in=stand_in
    )


def _on_aws(client: Any) -> bool:
    """Whether ``client`` talks to AWS itself (an amazonaws.com endpoint), not to a local cloud."""
    host = urlparse(str(client.meta.endpoint_url)).hostname or ""
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def _summary(result: BuildResult) -> dict[str, Any]:
    return {
        "path": str(result.path),
        "sha256": result.sha256,
        "entries": list(result.entries),
        "jar": result.jar,
        "jarSha1": result.jar_sha1,
        "jarSha256": result.jar_sha256,
        "runtime": result.runtime,
        "standIn": result.stand_in,
    }


def _print_build(result: BuildResult) -> None:
    console.print(f"built [bold]{result.path}[/] (sha256 {result.sha256})", highlight=False)
    console.print("\n".join(f"  {name}" for name in result.entries), highlight=False)
    pin = "" if connector_for(result.runtime).sha256 else " (check it, then pin it in fanout/artifact/connector.py)"
    if result.stand_in:
        pin = " [yellow](a stand-in for the offline cloud: publishing it to AWS is refused)[/]"
    console.print(
        f"[dim]{result.runtime} · {result.jar}: sha1 {result.jar_sha1} · sha256 {result.jar_sha256}{pin}[/]",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `fanout artifact` to the CLI."""
    artifact = typer.Typer(help="Build the Flink application zip and upload it to the stack.", no_args_is_help=True)

    @artifact.command("build")
    def build(
        out: Path = OutOption,
        repository: str | None = RepositoryOption,
        cache_dir: Path | None = CacheOption,
        project: Path | None = ProjectOption,
        runtime: str | None = RuntimeOption,
        stand_in: bool = StandInOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Build the zip: main.py at the root, the SQL, and lib/ with the runtime's pinned Kinesis connector jar.

        The jar is downloaded once (checksum verified) and cached.

        Example: fanout artifact build --out dist/fanout-flink.zip --runtime FLINK-2_2
        """
        result = _build(out, repository, cache_dir, project, _runtime(runtime), stand_in)
        if as_json:
            typer.echo(json.dumps(_summary(result)))
        else:
            _print_build(result)

    @artifact.command("publish")
    def publish(
        stack: str | None = StackOption,
        region: str | None = RegionOption,
        profile: str | None = ProfileOption,
        endpoint_url: str | None = EndpointOption,
        bucket: str | None = BucketOption,
        key: str | None = KeyOption,
        zip_file: Path | None = ZipOption,
        out: Path = OutOption,
        repository: str | None = RepositoryOption,
        cache_dir: Path | None = CacheOption,
        project: Path | None = ProjectOption,
        runtime: str | None = RuntimeOption,
        stand_in: bool = StandInOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Build the zip (or take --zip) and upload it to the stack's artifact bucket; prints the S3 version.

        The next lifecycle window moves the application to that version (UpdateApplication while READY). The
        object's metadata names the runtime whose connector jar the zip ships (read from the zip).

        Example: fanout artifact publish --stack kinesis-fanout
        """
        aws = Aws(stack=stack, region=region, profile=profile, endpoint_url=endpoint_url)
        resources = aws.resources(
            {"ArtifactBucketName": bucket, "ArtifactKey": key}, needed=("ArtifactBucketName", "ArtifactKey")
        )
        target_bucket = resources.get("ArtifactBucketName", "--bucket")
        target_key = resources.get("ArtifactKey", "--key")
        chosen = _runtime(runtime or resources.optional("FlinkRuntime"))
        built = None if zip_file else _build(out, repository, cache_dir, project, chosen, stand_in)
        path = zip_file or out
        s3 = aws.client("s3")
        uploaded = upload_artifact(
            s3,
            path,
            target_bucket,
            target_key,
            chosen if built or runtime else None,
            allow_stand_in=not _on_aws(s3),
        )
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "bucket": uploaded.bucket,
                        "key": uploaded.key,
                        "versionId": uploaded.version_id,
                        "sha256": uploaded.sha256,
                        "build": _summary(built) if built else None,
                    }
                )
            )
            return
        if built:
            _print_build(built)
        console.print(
            f"uploaded to [bold]s3://{uploaded.bucket}/{uploaded.key}[/] version [bold]{uploaded.version_id}[/]",
            highlight=False,
        )
        if uploaded.version_id is None:
            console.print("[yellow]the bucket is not versioned: the application will not notice the new code[/]")

    app.add_typer(artifact, name="artifact")
