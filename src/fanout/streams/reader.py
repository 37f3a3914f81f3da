"""The one reader of Kinesis shards: every read of a stream in this package goes through ShardReader.

It lists the shards (ListShards, paged), opens each at a start position, or just after a known sequence
number, and reads with GetRecords: a throttled shard backs off exponentially with jitter on its own, an
expired iterator is renewed after the last record read, and a shard closed by a reshard is read to its end
before its children are opened. The last sequence number read on each shard is kept, for checkpoints.

Example::

    reader = ShardReader(boto3.client("kinesis"), "fanout-positive", StartPosition("TRIM_HORIZON"))
    reader.begin()
    for shard_id in reader.due():
        batch = reader.read(shard_id, limit=100)
        print(shard_id, len(batch.records), reader.positions.get(shard_id))
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.streams.exceptions import ShardNotOpenError
from fanout.streams.names import not_found
from fanout.streams.position import StartPosition

THROTTLED = aws_errors.KINESIS_THROTTLED
EXPIRED = "ExpiredIteratorException"
RetryHook = Callable[[str, ClientError], None]
"""Told of each GetRecords the reader retries itself (throttled, or an expired iterator): (shard id, error)."""


@dataclass(frozen=True)
class ShardBatch:
    """What one GetRecords call on a shard gave (no records when it was throttled or its iterator renewed)."""

    shard_id: str
    records: list[dict[str, Any]]
    ended: bool = False
    """The shard is closed and now read to its end."""
    caught_up: bool = False
    """The read succeeded and reached the tip of the shard (MillisBehindLatest 0)."""

    @property
    def last_sequence(self) -> str | None:
        """The sequence number of the batch's last record (None for an empty batch)."""
        return str(self.records[-1]["SequenceNumber"]) if self.records else None


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    opened_at: StartPosition
    next_at: float = 0.0
    backoff: float = 0.0


def _closed(shard: Mapping[str, Any]) -> bool:
    return "EndingSequenceNumber" in shard.get("SequenceNumberRange", {})


class ShardReader:
    """Reads the shards of one stream; the caller picks which shard to read and when (see `due`, `next_due`).

    `positions` are known sequence numbers (a checkpoint): those shards resume just after them. A shard is
    read at most once per `poll_seconds`; a throttled one waits `backoff_seconds`, doubling up to
    `max_backoff_seconds`, with jitter from `rng`. `clock`, `sleep` and `rng` are injectable for tests.
    """

    def __init__(
        self,
        kinesis: Any,
        stream: str,
        start: StartPosition | None = None,
        *,
        positions: Mapping[str, str] | None = None,
        poll_seconds: float = 0.2,
        backoff_seconds: float = 0.2,
        max_backoff_seconds: float = 5.0,
        follow_children: bool = True,
        on_retry: RetryHook | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.kinesis = kinesis
        self.stream = stream
        self.start = start or StartPosition("TRIM_HORIZON")
        self.poll_seconds = poll_seconds
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.follow_children = follow_children
        self.on_retry = on_retry
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._positions: dict[str, str] = dict(positions or {})
        self._open: dict[str, _Shard] = {}
        self._done: set[str] = set()
        self._known: set[str] = set()
        self._relist = False  # a shard ended: list again to open the children it unblocked

    @property
    def positions(self) -> dict[str, str]:
        """The last sequence number read (or given) on each shard: what a checkpoint keeps."""
        return dict(self._positions)

    @property
    def open_shards(self) -> list[str]:
        """The shards being read, in the order they were opened."""
        return list(self._open)

    @property
    def finished(self) -> set[str]:
        """The shards read to their end (or, from LATEST, closed ones with nothing left to read)."""
        return set(self._done)

    def list_shards(self) -> list[dict[str, Any]]:
        """Every shard of the stream (ListShards, following NextToken); StreamNotFoundError if there is none."""
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

    def begin(self) -> None:
        """List the shards and open those to read first: from LATEST the open ones, else the oldest generation."""
        shards = self.list_shards()
        if self.start.kind == "LATEST":  # a closed shard gets nothing new, unless a known position is in it
            for shard in shards:
                if _closed(shard) and shard["ShardId"] not in self._positions:
                    self._known.add(shard["ShardId"])
                    self._done.add(shard["ShardId"])
        self._open_ready(shards, self.start)

    def open(self, shard_id: str, position: StartPosition | None = None) -> None:
        """Open (or reopen) `shard_id`: after its known position if there is one, else at `position` or the start."""
        known = self._positions.get(shard_id)
        at = StartPosition.after(known) if known else position or self.start
        self._known.add(shard_id)
        self._done.discard(shard_id)
        self._open[shard_id] = _Shard(shard_id, self._iterator(shard_id, at), at)

    def next_due(self) -> tuple[str, float] | None:
        """The open shard to read soonest and when it may be read (clock time); None when none is open."""
        self._follow_children()
        if not self._open:
            return None
        shard = min(self._open.values(), key=lambda s: s.next_at)
        return shard.shard_id, shard.next_at

    def due(self) -> list[str]:
        """The open shards that may be read now, in the order they were opened."""
        self._follow_children()
        now = self.clock()
        return [s.shard_id for s in self._open.values() if s.next_at <= now]

    def read(self, shard_id: str, limit: int | None = None) -> ShardBatch:
        """One GetRecords call on `shard_id` (after waiting until it may be read); throttling, expiry and the
        shard's end are handled here. Other errors are raised, the shard's iterator unchanged."""
        shard = self._open.get(shard_id)
        if shard is None:
            raise ShardNotOpenError(f"shard {shard_id} of {self.stream} is not open")
        wait = shard.next_at - self.clock()
        if wait > 0:
            self.sleep(wait)
        now = self.clock()
        args: dict[str, Any] = {"ShardIterator": shard.iterator}
        if limit is not None:
            args["Limit"] = limit
        try:
            response = self.kinesis.get_records(**args)
        except ClientError as exc:
            code = aws_errors.error_code(exc)
            if code not in THROTTLED and code != EXPIRED:
                raise
            if self.on_retry is not None:
                self.on_retry(shard_id, exc)
            if code == EXPIRED:
                self._renew(shard)
            else:
                shard.backoff = min(self.max_backoff_seconds, max(2 * shard.backoff, self.backoff_seconds))
                shard.next_at = now + self.rng.uniform(shard.backoff / 2, shard.backoff)
            return ShardBatch(shard_id, [])
        return self._advance(shard, response, now)

    def _advance(self, shard: _Shard, response: Mapping[str, Any], now: float) -> ShardBatch:
        shard.backoff = 0.0
        shard.next_at = now + self.poll_seconds
        batch = ShardBatch(
            shard.shard_id,
            list(response["Records"]),
            ended=response.get("NextShardIterator") is None,
            caught_up=response.get("MillisBehindLatest", 0) == 0,
        )
        if batch.last_sequence is not None:
            self._positions[shard.shard_id] = batch.last_sequence
        shard.iterator = response.get("NextShardIterator")
        if batch.ended:  # closed by a reshard and read to its end: its children may start (see due, next_due)
            del self._open[shard.shard_id]
            self._done.add(shard.shard_id)
            self._relist = self.follow_children
        return batch

    def _follow_children(self) -> None:
        """Open the children of shards read to their end (listed after the batch was handed over, so a failing
        ListShards never loses a batch: it is raised here, and tried again on the next call)."""
        if self._relist:
            self._open_ready(self.list_shards(), StartPosition("TRIM_HORIZON"))
            self._relist = False

    def _open_ready(self, shards: list[dict[str, Any]], position: StartPosition) -> None:
        """Open every shard not yet known whose parents (those still listed) are read to their end."""
        ids = {s["ShardId"] for s in shards}
        for shard in shards:
            parents = {shard.get("ParentShardId"), shard.get("AdjacentParentShardId")} & ids
            if shard["ShardId"] not in self._known and parents <= self._done:
                self.open(shard["ShardId"], position)

    def _renew(self, shard: _Shard) -> None:
        """A fresh iterator just after the last record read, else where the shard was opened."""
        known = self._positions.get(shard.shard_id)
        shard.iterator = self._iterator(shard.shard_id, StartPosition.after(known) if known else shard.opened_at)

    def _iterator(self, shard_id: str, position: StartPosition) -> str:
        response = self.kinesis.get_shard_iterator(StreamName=self.stream, ShardId=shard_id, **position.iterator_args())
        return str(response["ShardIterator"])
