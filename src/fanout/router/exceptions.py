"""Router errors."""

from __future__ import annotations

from fanout.exceptions import ConfigurationError, FanoutError


class RouterError(FanoutError):
    """Base of the router's errors."""


class RouterConfigurationError(RouterError, ConfigurationError):
    """The router's SQL, properties or settings are unusable (a sink without a stream ARN, bad JSON...)."""


class InvalidKinesisEventError(RouterError):
    """The event is not a Kinesis batch the router can read (a record without data or sequence number)."""
