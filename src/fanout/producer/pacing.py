"""Pace PutRecords requests to a target rate: one wait per request, never one sleep per record."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

REQUESTS_PER_SECOND_AT_RATE = 5
"""With a rate, a request carries about a fifth of a second's records, so the flow stays smooth."""
CATCH_UP_SECONDS = 1.0
"""A put that fell behind (slow requests) may catch up this much; time idle for longer is not saved up."""


class Pacer:
    """A token bucket: `wait(n)` returns when `n` more records fit in the rate; bursts of at most a second.

    >>> pacer = Pacer(1000.0)
    >>> pacer.wait(200)  # the first request goes at once; the next one 0.2 s later
    """

    def __init__(
        self,
        rate: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self, records: int) -> None:
        """Block until `records` more records may go, then account for them."""
        if not self.rate:
            return
        now = self._clock()
        if self._next is None or self._next < now - CATCH_UP_SECONDS:
            self._next = now  # a long idle spell is not saved up for a burst
        elif self._next > now:
            self._sleep(self._next - now)
        self._next += records / self.rate

    def batch_size(self, max_records: int) -> int:
        """Records per request that keep the flow smooth at this rate (all `max_records` without a rate)."""
        if not self.rate:
            return max_records
        return max(1, min(max_records, math.ceil(self.rate / REQUESTS_PER_SECOND_AT_RATE)))
