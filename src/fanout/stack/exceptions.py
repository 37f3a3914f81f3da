"""Errors of stack resolution."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class StackError(FanoutError):
    """Base of the stack resolution errors."""


class StackNotFoundError(StackError):
    """The named CloudFormation stack does not exist in this account and region."""


class StackOutputMissingError(StackError):
    """The stack has no output with the wanted key, and no explicit flag gave the value."""


class SamConfigError(StackError):
    """samconfig.toml exists but cannot be read, or names no stack."""
