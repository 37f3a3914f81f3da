"""Read a stream as records arrive: every shard, child shards after a reshard, within the read limits.

A shard serves 5 GetRecords calls per second, shared by every consumer, so each shard is read at most
once per `poll_seconds` (0.2 s), and a throttled shard backs off exponentially with jitter on its own
(the reading itself is ShardReader's).
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from fanout.streams.position import StartPosition
from fanout.streams.reader import ShardReader

__all__ = ["StartPosition", "TailRecord", "tail"]


@dataclass(frozen=True)
class TailRecord:
    """One record read, with where it came from."""

    shard_id: str
    sequence_number: str
    partition_key: str
    arrival: datetime
    data: bytes

    def payload(self) -> tuple[str, str]:
        """``("json", one-line JSON text)``, ``("text", str)`` for UTF-8 that is not JSON, else ``("base64", str)``.

        Never raises: whatever the bytes are, they come out printable and marked.
        """
        try:
            text = self.data.decode("utf-8")
        except UnicodeDecodeError:
            return "base64", base64.b64encode(self.data).decode("ascii")
        try:
            orjson.loads(self.data)
        except orjson.JSONDecodeError:
            return "text", text
        # A line break can only be whitespace between JSON tokens (inside strings it is escaped).
        return "json", text.strip().replace("\r", " ").replace("\n", " ")

    def to_json_line(self) -> str:
        """One JSON object: the metadata, and `data` (JSON), `text` (not JSON) or `base64` (not UTF-8)."""
        kind, value = self.payload()
        meta = orjson.dumps(
            {
                "shard": self.shard_id,
                "sequence": self.sequence_number,
                "partition_key": self.partition_key,
                "arrival": self.arrival.astimezone(UTC).isoformat(timespec="milliseconds"),
            }
        ).decode()
        body = value if kind == "json" else orjson.dumps(value).decode()
        return f'{meta[:-1]},"{"data" if kind == "json" else kind}":{body}}}'


def tail(
    kinesis: Any,
    stream_name: str,
    start: StartPosition | None = None,
    *,
    limit: int | None = None,
    idle_timeout: float | None = None,
    poll_seconds: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Iterator[TailRecord]:
    """Yield the records of every shard of `stream_name` as they arrive.

    Stops after `limit` records, or after `idle_timeout` seconds without a record; otherwise runs until the
    caller stops iterating. Raises StreamNotFoundError if the stream does not exist.

    Example::

        for record in tail(boto3.client("kinesis"), "fanout-positive", StartPosition("TRIM_HORIZON"), limit=10):
            print(record.to_json_line())
    """
    reader = ShardReader(
        kinesis,
        stream_name,
        start or StartPosition("LATEST"),
        poll_seconds=poll_seconds,
        backoff_seconds=poll_seconds,
        clock=clock,
        sleep=sleep,
        rng=rng,
    )
    reader.begin()
    seen = 0
    last_record = clock()
    while (due := reader.next_due()) is not None and (limit is None or seen < limit):
        shard_id, next_at = due
        now = clock()
        if idle_timeout is not None and now - last_record >= idle_timeout:
            return
        if next_at > now:
            wait = next_at - now
            if idle_timeout is not None:
                wait = min(wait, max(0.0, last_record + idle_timeout - now))
            sleep(wait)
            continue
        for record in reader.read(shard_id).records:
            yield TailRecord(
                shard_id,
                record["SequenceNumber"],
                record["PartitionKey"],
                record["ApproximateArrivalTimestamp"],
                record["Data"],
            )
            seen += 1
            last_record = clock()
            if limit is not None and seen >= limit:
                return
