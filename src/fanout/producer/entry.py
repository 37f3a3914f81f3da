"""One record to put with PutRecords (its own module: the router ships the sender without Faker or orjson)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One record to put: its bytes, its partition key, and its position in the input.

    `problem` says why the record cannot be sent at all (it is then reported, never put).
    """

    index: int
    data: bytes
    partition_key: str
    problem: str | None = None
