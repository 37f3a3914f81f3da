"""Consumer errors."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class PoisonRecordError(FanoutError):
    """A record does not meet its stream's contract; it is reported as a batch item failure."""
