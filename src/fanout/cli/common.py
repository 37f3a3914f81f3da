"""What every AWS-facing command shares: the stack, region, profile and endpoint options, and clients.

Region, profile and endpoint follow the standard AWS configuration chain (``AWS_REGION``, ``AWS_PROFILE``,
``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``), so the same command works against AWS and
against the offline runtime's local cloud (`fanout local up` prints the variables to export).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import typer
from botocore.exceptions import InvalidRegionError

from fanout.exceptions import ConfigurationError
from fanout.stack import StackResources, default_stack_name, resolve_stack

StackOption = typer.Option(
    None, "--stack", "-s", help="Stack whose Outputs name the resources \\[default: samconfig.toml's stack_name]."
)
RegionOption = typer.Option(None, "--region", help="AWS region \\[default: the AWS configuration chain].")
ProfileOption = typer.Option(None, "--profile", help="AWS profile \\[default: the AWS configuration chain].")
EndpointOption = typer.Option(
    None, "--endpoint-url", help="Endpoint for every service (as AWS_ENDPOINT_URL), e.g. the local cloud's."
)


@dataclass(frozen=True)
class Aws:
    """A boto3 session plus the stack the command works on."""

    stack: str | None = None
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None

    @functools.cached_property
    def session(self) -> boto3.session.Session:
        """The boto3 session (profile and region from the flags, else the configuration chain)."""
        return boto3.session.Session(profile_name=self.profile, region_name=self.region)

    def client(self, service: str) -> Any:
        """A client; an explicit --endpoint-url wins over the AWS_ENDPOINT_URL variables."""
        kwargs: dict[str, Any] = {}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        try:
            return self.session.client(service, **kwargs)
        except InvalidRegionError:  # a ValueError too, with its own exit code
            raise
        except ValueError as exc:  # botocore's "Invalid endpoint: <url>", from the flag or AWS_ENDPOINT_URL
            raise ConfigurationError(
                f"cannot create the {service} client: {exc} (check --endpoint-url and AWS_ENDPOINT_URL*: "
                "a URL such as http://127.0.0.1:4566)"
            ) from exc

    @property
    def stack_name(self) -> str:
        """The stack name after the precedence rules of ``fanout.stack.default_stack_name``."""
        return default_stack_name(self.stack)

    def resources(
        self, overrides: Mapping[str, str | None] | None = None, *, needed: tuple[str, ...] = ()
    ) -> StackResources:
        """The stack's Outputs with `overrides` (flags) on top; skips the lookup when flags give all `needed`."""
        given = {k: v for k, v in (overrides or {}).items() if v}
        if needed and all(key in given for key in needed):
            return resolve_stack(None, self.stack_name, given)
        return resolve_stack(self.client("cloudformation"), self.stack_name, given)
