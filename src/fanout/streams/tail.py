"""Read a stream as records arrive: every shard, child shards after a reshard, within the read limits.

A shard serves 5 GetRecords calls per second, shared by every consumer, so each shard is read at most
once per `poll_seconds` (0.2 s), and a throttled shard backs off exponentially with jitter on its own.
"""

from __future__ import annotations

import base64
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.streams.exceptions import StartPositionError
from fanout.streams.names import not_found

THROTTLED = aws_errors.KINESIS_THROTTLED
_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class StartPosition:
    """Where reading starts: TRIM_HORIZON, LATEST, or AT_TIMESTAMP with its `timestamp`."""

    kind: str
    timestamp: datetime | None = None

    @classmethod
    def parse(cls, value: str, now: datetime | None = None) -> StartPosition:
        """``trim-horizon``, ``latest``, an ISO 8601 timestamp (UTC if it has no offset) or a duration ago.

        >>> StartPosition.parse("trim-horizon").kind
        'TRIM_HORIZON'
        >>> StartPosition.parse("2026-01-02T03:04:05Z").timestamp.isoformat()
        '2026-01-02T03:04:05+00:00'
        >>> StartPosition.parse("90s", now=datetime(2026, 1, 1, tzinfo=UTC)).timestamp.isoformat()
        '2025-12-31T23:58:30+00:00'
        """
        text = value.strip().lower().replace("_", "-")
        if text in ("trim-horizon", "latest"):
            return cls(text.replace("-", "_").upper())
        ago = _AGO.fullmatch(text)
        if ago:
            delta = timedelta(seconds=float(ago.group(1)) * _UNIT_SECONDS[ago.group(2)])
            return cls("AT_TIMESTAMP", (now or datetime.now(UTC)) - delta)
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            raise StartPositionError(
                f"{value!r} is not a start position: use trim-horizon, latest, an ISO timestamp "
                "(2026-01-31T08:00:00Z) or a duration ago (90s, 15m, 2h, 1d)"
            ) from None
        return cls("AT_TIMESTAMP", stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))

    def iterator_args(self) -> dict[str, Any]:
        """The GetShardIterator arguments for this position."""
        args: dict[str, Any] = {"ShardIteratorType": self.kind}
        if self.timestamp is not None:
            args["Timestamp"] = self.timestamp
        return args


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


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    next_at: float = 0.0
    backoff: float = 0.0
    last_sequence: str | None = None


@dataclass
class _Reader:
    kinesis: Any
    stream: str
    start: StartPosition
    clock: Callable[[], float]
    poll_seconds: float
    rng: random.Random = field(default_factory=random.Random)
    open: dict[str, _Shard] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)

    def shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamName": self.stream}
        try:
            while True:
                page = self.kinesis.list_shards(**kwargs)
                shards.extend(page["Shards"])
                if not page.get("NextToken"):
                    return shards
                kwargs = {"NextToken": page["NextToken"]}
        except ClientError as exc:
            raise (not_found(self.stream, exc) or exc) from exc

    def open_shard(self, shard_id: str, position: StartPosition) -> None:
        self.known.add(shard_id)
        iterator = self.kinesis.get_shard_iterator(
            StreamName=self.stream, ShardId=shard_id, **position.iterator_args()
        )["ShardIterator"]
        self.open[shard_id] = _Shard(shard_id, iterator)

    def open_ready(self, shards: list[dict[str, Any]], position: StartPosition) -> None:
        """Open every unknown shard whose parents (if we know them) are read to their end."""
        ids = {s["ShardId"] for s in shards}
        for shard in shards:
            parents = {shard.get("ParentShardId"), shard.get("AdjacentParentShardId")} & ids
            if shard["ShardId"] not in self.known and parents <= self.done:
                self.open_shard(shard["ShardId"], position)

    def begin(self) -> None:
        shards = self.shards()
        if self.start.kind == "LATEST":  # closed shards get nothing new: read the open ones
            shards = [s for s in shards if "EndingSequenceNumber" not in s.get("SequenceNumberRange", {})]
            for shard in shards:
                self.open_shard(shard["ShardId"], self.start)
        else:
            self.open_ready(shards, self.start)

    def read(self, shard: _Shard) -> list[dict[str, Any]]:
        """One GetRecords call on `shard`; handles throttling, expiry and the shard's end."""
        now = self.clock()
        try:
            response = self.kinesis.get_records(ShardIterator=shard.iterator)
        except ClientError as exc:
            code = aws_errors.error_code(exc)
            if code in THROTTLED:
                shard.backoff = min(5.0, max(2 * shard.backoff, self.poll_seconds))
                shard.next_at = now + self.rng.uniform(shard.backoff / 2, shard.backoff)
                return []
            if code == "ExpiredIteratorException":
                self.renew(shard)
                return []
            raise
        shard.backoff = 0.0
        shard.next_at = now + self.poll_seconds
        records: list[dict[str, Any]] = response["Records"]
        if records:
            shard.last_sequence = records[-1]["SequenceNumber"]
        shard.iterator = response.get("NextShardIterator")
        if shard.iterator is None:  # the shard was closed by a reshard and is read to its end
            del self.open[shard.shard_id]
            self.done.add(shard.shard_id)
            self.open_ready(self.shards(), StartPosition("TRIM_HORIZON"))
        return records

    def renew(self, shard: _Shard) -> None:
        args = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": shard.last_sequence}
            if shard.last_sequence
            else self.start.iterator_args()
        )
        shard.iterator = self.kinesis.get_shard_iterator(StreamName=self.stream, ShardId=shard.shard_id, **args)[
            "ShardIterator"
        ]


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
) -> Iterator[TailRecord]:
    """Yield the records of every shard of `stream_name` as they arrive.

    Stops after `limit` records, or after `idle_timeout` seconds without a record; otherwise runs until the
    caller stops iterating. Raises StreamNotFoundError if the stream does not exist.

    Example::

        for record in tail(boto3.client("kinesis"), "fanout-positive", StartPosition("TRIM_HORIZON"), limit=10):
            print(record.to_json_line())
    """
    reader = _Reader(kinesis, stream_name, start or StartPosition("LATEST"), clock, poll_seconds)
    reader.begin()
    seen = 0
    last_record = clock()
    while reader.open and (limit is None or seen < limit):
        shard = min(reader.open.values(), key=lambda s: s.next_at)
        now = clock()
        if idle_timeout is not None and now - last_record >= idle_timeout:
            return
        if shard.next_at > now:
            wait = shard.next_at - now
            if idle_timeout is not None:
                wait = min(wait, max(0.0, last_record + idle_timeout - now))
            sleep(wait)
            continue
        for record in reader.read(shard):
            yield TailRecord(
                shard.shard_id,
                record["SequenceNumber"],
                record["PartitionKey"],
                record["ApproximateArrivalTimestamp"],
                record["Data"],
            )
            seen += 1
            last_record = clock()
            if limit is not None and seen >= limit:
                return
