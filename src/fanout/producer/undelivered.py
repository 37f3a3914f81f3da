"""The undelivered file: every record a put could not deliver, replayable with ``fanout put --from-file``.

`<name>.ndjson` holds the records' bytes, one per line, in input order. `<name>.reasons.jsonl` holds, on the
same line number, why (input record number, partition key, size, reason), so the first file stays replayable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from fanout.producer.entry import Entry


def default_path(directory: Path | None = None, now: datetime | None = None) -> Path:
    """``fanout-undelivered-<UTC timestamp>.ndjson`` in `directory` (the current one by default)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return (directory or Path.cwd()) / f"fanout-undelivered-{stamp}.ndjson"


def reasons_path(path: Path) -> Path:
    """The reasons file next to undelivered file `path`."""
    return path.with_name(path.name.removesuffix(".ndjson") + ".reasons.jsonl")


def write_undelivered(undelivered: Iterable[tuple[Entry, str]], path: Path) -> tuple[Path, Path]:
    """Write the records and their reasons; returns both paths.

    A record's bytes go out as they came in, except line breaks (which NDJSON cannot hold): they become
    spaces, which leaves a JSON document equivalent, and the reason says so.
    """
    reasons = reasons_path(path)
    with path.open("wb") as records, reasons.open("w", encoding="utf-8") as why:
        for entry, reason in undelivered:
            data = entry.data
            if b"\n" in data or b"\r" in data:
                data = data.replace(b"\r", b" ").replace(b"\n", b" ")
                reason += " (its line breaks are written as spaces)"
            records.write(data + b"\n")
            row = {"record": entry.index + 1, "partition_key": entry.partition_key, "bytes": len(entry.data)}
            why.write(json.dumps({**row, "reason": reason}, ensure_ascii=False) + "\n")
    return path, reasons
