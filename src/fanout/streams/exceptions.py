"""Errors of the stream tools (the shard reader, tail, stream name resolution)."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class StreamError(FanoutError):
    """Base of the stream tools' errors."""


class StreamNotFoundError(StreamError):
    """The named Kinesis stream does not exist in this account and region."""


class StartPositionError(StreamError):
    """A start position is neither trim-horizon, latest, an ISO timestamp nor a duration ago."""


class ShardNotOpenError(StreamError):
    """A shard was read that the reader has not opened, or has already read to its end."""
