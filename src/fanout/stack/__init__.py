"""Find the deployed stack's resources from its Outputs, so nobody copies an ARN by hand.

Precedence: an explicit value (a CLI flag) > the stack's Outputs > an error naming the missing output.
The stack name itself: explicit ``--stack`` > ``FANOUT_STACK`` > ``samconfig.toml``'s
``[default.global.parameters] stack_name`` > ``kinesis-fanout``.

The offline runtime registers the same Outputs in the local cloud's CloudFormation, so these functions
work unchanged against it (``AWS_ENDPOINT_URL`` points boto3 there).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors, env
from fanout.stack.exceptions import SamConfigError, StackError, StackNotFoundError, StackOutputMissingError

DEFAULT_STACK_NAME = "kinesis-fanout"

__all__ = [
    "DEFAULT_STACK_NAME",
    "SamConfigError",
    "StackError",
    "StackNotFoundError",
    "StackOutputMissingError",
    "StackResources",
    "default_stack_name",
    "resolve_stack",
    "stack_parameters",
]


def default_stack_name(
    explicit: str | None = None,
    *,
    samconfig: Path | None = None,
    environ: Mapping[str, str] | None = None,
    config_env: str = "default",
) -> str:
    """The stack to use: explicit > FANOUT_STACK > samconfig.toml > ``kinesis-fanout``."""
    if explicit:
        return explicit
    environ = os.environ if environ is None else environ
    if environ.get(env.FANOUT_STACK):
        return environ[env.FANOUT_STACK]
    path = samconfig or Path.cwd() / "samconfig.toml"
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SamConfigError(f"cannot read {path}: {exc}") from exc
        name = data.get(config_env, {}).get("global", {}).get("parameters", {}).get("stack_name")
        if name:
            return str(name)
    return DEFAULT_STACK_NAME


@dataclass(frozen=True)
class StackResources:
    """A stack's Outputs, with flags that override them."""

    stack_name: str
    outputs: Mapping[str, str]
    overrides: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str, flag: str | None = None) -> str:
        """The value of output `key` (an override wins); raises StackOutputMissingError naming the flag."""
        if self.overrides.get(key):
            return self.overrides[key]
        if self.outputs.get(key):
            return self.outputs[key]
        hint = f" or pass {flag}" if flag else ""
        raise StackOutputMissingError(
            f"stack {self.stack_name!r} has no output {key!r}: deploy the current template.yaml{hint}"
        )

    def optional(self, key: str) -> str | None:
        """The value of `key`, or None."""
        return self.overrides.get(key) or self.outputs.get(key) or None


def resolve_stack(cfn: Any, stack_name: str, overrides: Mapping[str, str | None] | None = None) -> StackResources:
    """Read `stack_name`'s Outputs with the CloudFormation client `cfn`.

    When every key a command needs is given in `overrides`, call this with ``cfn=None`` to skip the lookup.
    """
    given = {k: v for k, v in (overrides or {}).items() if v}
    if cfn is None:
        return StackResources(stack_name, {}, given)
    stacks = _describe(cfn, stack_name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return StackResources(stack_name, outputs, given)


def stack_parameters(cfn: Any, stack_name: str) -> dict[str, str]:
    """The parameter values `stack_name` was deployed with (a resolved SSM value where there is one)."""
    stack = _describe(cfn, stack_name)[0]
    return {
        p["ParameterKey"]: str(p.get("ResolvedValue", p.get("ParameterValue", ""))) for p in stack.get("Parameters", [])
    }


def _describe(cfn: Any, stack_name: str) -> list[dict[str, Any]]:
    try:
        return list(cfn.describe_stacks(StackName=stack_name)["Stacks"])
    except ClientError as exc:
        message = aws_errors.error_message(exc)
        if "does not exist" in message:
            raise StackNotFoundError(
                f"stack {stack_name!r} not found in this account and region: deploy it with "
                "`sam deploy`, pass --stack, or start the local cloud with `fanout local up`"
            ) from exc
        raise
