"""Stack resolution: the deployed stack's Outputs name every resource; flags override; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanout.localcloud.deploy import LocalDeployment
from fanout.stack import (
    DEFAULT_STACK_NAME,
    SamConfigError,
    StackNotFoundError,
    StackOutputMissingError,
    default_stack_name,
    resolve_stack,
)
from tests.conftest import Cloud


def test_stack_name_precedence(tmp_path: Path) -> None:
    # GIVEN a samconfig.toml naming a stack
    config = tmp_path / "samconfig.toml"
    config.write_text('version = 0.1\n[default.global.parameters]\nstack_name = "from-samconfig"\n')
    # THEN explicit > FANOUT_STACK > samconfig.toml > the default
    assert default_stack_name("explicit", samconfig=config, environ={"FANOUT_STACK": "env"}) == "explicit"
    assert default_stack_name(None, samconfig=config, environ={"FANOUT_STACK": "env"}) == "env"
    assert default_stack_name(None, samconfig=config, environ={}) == "from-samconfig"
    assert default_stack_name(None, samconfig=tmp_path / "missing.toml", environ={}) == DEFAULT_STACK_NAME


def test_broken_samconfig_is_a_named_error(tmp_path: Path) -> None:
    config = tmp_path / "samconfig.toml"
    config.write_text("this is [not toml")
    with pytest.raises(SamConfigError, match="cannot read"):
        default_stack_name(None, samconfig=config, environ={})


def test_outputs_of_the_locally_deployed_stack_resolve(deployment: LocalDeployment, cloud: Cloud) -> None:
    # GIVEN the template deployed into the local cloud (which registers its Outputs in CloudFormation)
    outputs = deployment.outputs
    stack = deployment.stack.name
    # WHEN the stack is resolved with one flag given
    resources = resolve_stack(cloud.client("cloudformation"), stack, {"ApplicationName": "override", "X": None})
    # THEN outputs come from the stack, the flag wins, and a missing output names the flag to pass
    assert resources.get("TransactionsStreamArn") == outputs["TransactionsStreamArn"]
    assert resources.get("ApplicationName") == "override"
    with pytest.raises(StackOutputMissingError, match="--nothing"):
        resources.get("NoSuchOutput", "--nothing")


def test_missing_stack_is_a_named_error(cloud: Cloud) -> None:
    with pytest.raises(StackNotFoundError, match="fanout local up"):
        resolve_stack(cloud.client("cloudformation"), "no-such-stack")
