"""Stream tools: route aliases and names, and reading a stream as records arrive (`fanout tail`)."""

from __future__ import annotations

from fanout.streams.exceptions import StartPositionError, StreamError, StreamNotFoundError
from fanout.streams.names import ALIASES, require_stream, resolve_stream_name
from fanout.streams.tail import StartPosition, TailRecord, tail

__all__ = [
    "ALIASES",
    "StartPosition",
    "StartPositionError",
    "StreamError",
    "StreamNotFoundError",
    "TailRecord",
    "require_stream",
    "resolve_stream_name",
    "tail",
]
