"""Pack records into PutRecords requests within the API limits, keeping each partition key's order."""

from __future__ import annotations

from dataclasses import dataclass

from fanout.producer.entry import Entry
from fanout.producer.exceptions import InvalidLimitsError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """PutRecords limits. Kinesis has been raising them, so they are settings, not constants."""

    max_records: int = 500
    max_request_bytes: int = 5 * MiB
    max_record_bytes: int = 1 * MiB

    def __post_init__(self) -> None:
        if min(self.max_records, self.max_request_bytes, self.max_record_bytes) < 1:
            raise InvalidLimitsError(f"every limit must be positive: {self}")
        if self.max_record_bytes > self.max_request_bytes:
            raise InvalidLimitsError(
                f"a record ({self.max_record_bytes} bytes) may not exceed a request ({self.max_request_bytes} bytes)"
            )

    def record_size(self, entry: Entry) -> int:
        """What counts against the limits: the data plus the partition key."""
        return len(entry.data) + len(entry.partition_key.encode())


def next_batch(pending: list[Entry], limits: Limits, *, one_per_key: bool = True) -> tuple[list[Entry], list[Entry]]:
    """Take the next request from `pending` (in input order); return (batch, the rest in order).

    With `one_per_key`, a partition key appears at most once per request: if its record fails, the next record
    with the same key is still waiting, so a retry can never overtake it and order per key holds.
    """
    batch: list[Entry] = []
    rest: list[Entry] = []
    keys: set[str] = set()
    size = 0
    for entry in pending:
        entry_size = limits.record_size(entry)
        fits = len(batch) < limits.max_records and size + entry_size <= limits.max_request_bytes
        if fits and not (one_per_key and entry.partition_key in keys):
            batch.append(entry)
            size += entry_size
        else:
            rest.append(entry)
        keys.add(entry.partition_key)
    return batch, rest
