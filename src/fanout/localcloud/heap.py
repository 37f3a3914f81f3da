"""Keep the garbage collector's pauses short while a local cloud runs.

The local cloud keeps every record of its streams in memory, as Kinesis keeps them for the retention period:
millions of long-lived objects after a minute at a few thousand records a second. Python's full collections
walk every one of them, a pause that grows with the run (960 ms at 5,000 records/s, measured). While a
runtime runs, the pacer collects and then freezes (``gc.freeze``) what survived, every few seconds, so a
collection walks only what the last few seconds made. Stopping unfreezes everything: what the cloud held can
be collected again.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

FREEZE_SECONDS = 5.0
"""How often the survivors are frozen: a full collection then walks at most this many seconds' objects."""


class HeapPacer:
    """Collect and freeze the survivors every ``seconds`` (on ``tick``); ``stop`` unfreezes them."""

    def __init__(self, seconds: float = FREEZE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.freezes = 0
        self._due = 0.0

    def start(self) -> None:
        """Freeze what the process holds now (the cloud as deployed)."""
        self._freeze()

    def tick(self) -> None:
        """Freeze again when due (call it often: the runtime's ticker does, ten times a second)."""
        if self.clock() >= self._due:
            self._freeze()

    def stop(self) -> None:
        """Unfreeze: the frozen objects are collected as usual again."""
        gc.unfreeze()

    def _freeze(self) -> None:
        gc.collect()
        gc.freeze()
        self.freezes += 1
        self._due = self.clock() + self.seconds
