"""Where records come from (NDJSON files, stdin, Python objects) and how they become entries.

Everything is streamed: a file is read line by line as the sender needs more records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from fanout.producer.entry import Entry
from fanout.producer.exceptions import RecordRejectedError
from fanout.producer.records import partition_key_for

MAX_PARTITION_KEY_CHARS = 256
"""Kinesis partition keys are 1 to 256 Unicode characters."""


class NdjsonLines:
    """The records of an NDJSON stream, ``(line index, line bytes)`` without line endings, read as needed.

    Blank and whitespace-only lines are no records: they are skipped and counted in ``blank`` (which a
    summary reports), never dropped without a word. The bytes are sent as they are (a malformed line is a
    record too: the rejected route exists for it).

    >>> import io
    >>> lines = NdjsonLines(io.BytesIO(b'{"id": 1}\\n\\n  \\n{"id": 2}\\r\\n'))
    >>> list(lines), lines.blank
    ([(0, b'{"id": 1}'), (3, b'{"id": 2}')], 2)
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.blank = 0

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        for index, line in enumerate(self.stream):
            data = line.rstrip(b"\r\n")
            if data.strip():
                yield index, data
            else:
                self.blank += 1


def ndjson_records(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(line index, line bytes)`` for each non-blank line of an NDJSON stream (see NdjsonLines).

    >>> import io
    >>> list(ndjson_records(io.BytesIO(b'{"id": 1}\\n\\n{"id": 2}\\r\\n')))
    [(0, b'{"id": 1}'), (2, b'{"id": 2}')]
    """
    return iter(NdjsonLines(stream))


def encode(record: Any) -> bytes:
    """The bytes to put for `record`: bytes as they are, str as UTF-8, anything else as compact JSON.

    Raises RecordRejectedError for an object JSON cannot represent (a set, NaN, a custom class).

    >>> encode({"id": 1, "amount": -2.5})
    b'{"id":1,"amount":-2.5}'
    """
    if isinstance(record, bytes | bytearray | memoryview):
        return bytes(record)
    try:
        if isinstance(record, str):
            return record.encode("utf-8")
        return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError) as exc:
        raise RecordRejectedError(f"cannot be encoded as UTF-8 JSON: {exc}") from exc


def _best_effort(record: Any) -> bytes:
    """Something to write to the undelivered file for a record that cannot be encoded."""
    return orjson.dumps(repr(record))


def to_entries(records: Iterable[tuple[int, Any]], partition_key: str | None = None) -> Iterator[Entry]:
    """Turn numbered records into entries; a record that cannot be sent carries its `problem` instead.

    `partition_key` is a field name: its value in each JSON record is the record's key (so one key's records
    keep their order), and records without it get a random key. With no field every key is random.
    """
    for index, record in records:
        try:
            data = encode(record)
        except RecordRejectedError as exc:
            yield Entry(index, _best_effort(record), "-", str(exc))
            continue
        key = partition_key_for(data, partition_key)
        problem = None
        if len(key) > MAX_PARTITION_KEY_CHARS:
            problem = f"partition key of {len(key)} characters exceeds the {MAX_PARTITION_KEY_CHARS}-character limit"
        yield Entry(index, data, key, problem)
