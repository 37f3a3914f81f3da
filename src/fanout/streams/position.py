"""Where reading a shard starts: TRIM_HORIZON, LATEST, AT_TIMESTAMP, or AFTER_SEQUENCE_NUMBER of a known record."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fanout.streams.exceptions import StartPositionError

KINDS = frozenset({"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP", "AFTER_SEQUENCE_NUMBER"})
_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class StartPosition:
    """TRIM_HORIZON, LATEST, AT_TIMESTAMP with its `timestamp`, or AFTER_SEQUENCE_NUMBER with its `sequence_number`.

    >>> StartPosition.after("42").iterator_args()
    {'ShardIteratorType': 'AFTER_SEQUENCE_NUMBER', 'StartingSequenceNumber': '42'}
    """

    kind: str
    timestamp: datetime | None = None
    sequence_number: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise StartPositionError(f"{self.kind!r} is not a shard iterator type: use one of {sorted(KINDS)}")
        if (self.kind == "AT_TIMESTAMP") != (self.timestamp is not None):
            raise StartPositionError("a timestamp goes with AT_TIMESTAMP, and only with it")
        if (self.kind == "AFTER_SEQUENCE_NUMBER") != bool(self.sequence_number):
            raise StartPositionError("a sequence number goes with AFTER_SEQUENCE_NUMBER, and only with it")

    @classmethod
    def after(cls, sequence_number: str) -> StartPosition:
        """Just after the record `sequence_number` (a checkpoint, or the last record read)."""
        return cls("AFTER_SEQUENCE_NUMBER", sequence_number=sequence_number)

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
        if self.sequence_number is not None:
            args["StartingSequenceNumber"] = self.sequence_number
        return args
