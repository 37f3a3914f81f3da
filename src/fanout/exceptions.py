"""Errors shared by every part of kinesis-fanout."""

from __future__ import annotations


class FanoutError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigurationError(FanoutError):
    """A required setting (environment variable or argument) is missing or malformed."""


class UnsupportedRuntimeError(ConfigurationError):
    """A Managed Flink runtime (RuntimeEnvironment) the project does not support, such as FLINK-1_18."""
