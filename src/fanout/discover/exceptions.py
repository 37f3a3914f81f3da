"""Discovery errors: the stream cannot be sampled, or its records give nothing to infer a schema from."""

from __future__ import annotations

from fanout.exceptions import FanoutError
from fanout.streams.exceptions import StreamNotFoundError as _StreamNotFoundError


class DiscoveryError(FanoutError):
    """Base of every error raised while discovering a stream's schema."""


class EmptyStreamError(DiscoveryError):
    """The stream holds no records (within its retention) to infer a schema from."""


class NotJsonError(DiscoveryError):
    """None of the sampled records is a JSON object, so no columns can be inferred."""


class StreamNotFoundError(DiscoveryError, _StreamNotFoundError):
    """The stream to sample does not exist in this account and region (the CLI's exit 6, as for tail and put)."""
