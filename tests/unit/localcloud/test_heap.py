"""The heap pacer freezes what survived, when due, and unfreezes it all on stop."""

from __future__ import annotations

import gc

from fanout.localcloud.heap import HeapPacer


class Record:
    """A long-lived object the collector tracks (as moto's records are)."""

    def __init__(self, n: int) -> None:
        self.n = n


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_survivors_are_frozen_at_start_then_every_period_and_unfrozen_on_stop() -> None:
    # Given long-lived objects (a stream's records) and a pacer of 5 s
    clock = Clock()
    pacer = HeapPacer(5.0, clock)
    held = [Record(n) for n in range(10_000)]
    try:
        # When it starts, they are frozen: a collection no longer walks them
        pacer.start()
        assert gc.get_freeze_count() >= len(held)
        # And a tick before the period does nothing, one after it freezes what was made since
        more = [Record(n) for n in range(10_000)]
        clock.now = 4.9
        pacer.tick()
        assert pacer.freezes == 1
        clock.now = 5.0
        before = gc.get_freeze_count()
        pacer.tick()
        assert pacer.freezes == 2 and gc.get_freeze_count() >= before + len(more)
    finally:
        # Then stopping unfreezes everything
        pacer.stop()
    assert gc.get_freeze_count() == 0
