"""Stream tools: route aliases and names, the one shard reader, and `fanout tail` (a stream as records arrive)."""

from __future__ import annotations

from fanout.streams.exceptions import ShardNotOpenError, StartPositionError, StreamError, StreamNotFoundError
from fanout.streams.names import ALIASES, require_stream, resolve_stream_name
from fanout.streams.position import StartPosition
from fanout.streams.reader import ShardBatch, ShardReader
from fanout.streams.tail import TailRecord, tail

__all__ = [
    "ALIASES",
    "ShardBatch",
    "ShardNotOpenError",
    "ShardReader",
    "StartPosition",
    "StartPositionError",
    "StreamError",
    "StreamNotFoundError",
    "TailRecord",
    "require_stream",
    "resolve_stream_name",
    "tail",
]
