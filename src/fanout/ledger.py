"""A ledger of what was put and what each consumer received: proves nothing was lost, duplicated or misrouted."""

from __future__ import annotations

import itertools
import json
import statistics
import threading
from dataclasses import dataclass, field
from typing import Any

STAGES = ("put", "stored", "read", "routed", "written", "mapping_read", "handler")
"""A record's trip, stamped at each stage: the producer's PutRecords call; stored in the input stream (its
ApproximateArrivalTimestamp); read by the job (or the router's mapping); routed (or the router invoked);
written to its output stream (ApproximateArrivalTimestamp there); read by the consumer's mapping; handed to
the consumer's handler."""
LEGS: tuple[tuple[str, str], ...] = tuple(itertools.pairwise(STAGES))
"""The consecutive stages whose gap the latency benchmark reports."""


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def record_key(route: str, data: bytes) -> Any:
    """How a record is recognised on its output: the transaction id, or the raw bytes on the rejected stream."""
    if route == "rejected":
        return data
    try:
        return json.loads(data)["id"]
    except (ValueError, KeyError, TypeError):
        return data


@dataclass
class Ledger:
    """Expected routes in, deliveries out; thread-safe."""

    expected: dict[Any, tuple[str, float, str]] = field(default_factory=dict)
    deliveries: dict[Any, list[tuple[str, float]]] = field(default_factory=dict)
    # when the first delivery of each record reached its output stream (its ApproximateArrivalTimestamp there)
    written: dict[Any, float] = field(default_factory=dict)
    # when each record passed the other stages of its trip (the first time): stage name -> epoch seconds
    stamps: dict[Any, dict[str, float]] = field(default_factory=dict)
    unexpected: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def expect(self, data: bytes, route: str, put_at: float, phase: str = "running") -> None:
        """Record that `data` was put at `put_at` and must reach `route`."""
        with self._lock:
            self.expected[record_key(route, data)] = (route, put_at, phase)

    def withdraw(self, data: bytes, route: str) -> None:
        """Forget an expectation (a record that was not put after all)."""
        with self._lock:
            self.expected.pop(record_key(route, data), None)

    def delivered(self, route: str, data: bytes, at: float, written_at: float | None = None) -> None:
        """Record that a consumer of `route` received `data` at `at` (written to its stream at `written_at`)."""
        key = record_key(route, data)
        with self._lock:
            if key not in self.expected:
                self.unexpected += 1
            self.deliveries.setdefault(key, []).append((route, at))
            if written_at is not None:
                self.written.setdefault(key, written_at)

    def stamp(self, data: bytes, stages: dict[str, float]) -> None:
        """Note when the record put as ``data`` passed ``stages`` (an earlier time of a stage is kept)."""
        key = record_key("", data)
        with self._lock:
            if key not in self.expected:
                key = data  # a record expected on the rejected stream is known by its bytes
            noted = self.stamps.setdefault(key, {})
            for stage, at in stages.items():
                noted.setdefault(stage, at)

    def delivered_count(self, phase: str | None = None) -> int:
        """How many expected records arrived at least once (in `phase`, if given)."""
        with self._lock:
            return sum(1 for k, (_, _, p) in self.expected.items() if k in self.deliveries and phase in (None, p))

    def complete(self) -> bool:
        """Every expected record arrived at least once."""
        return self.delivered_count() == len(self.expected)

    def report(self) -> dict[str, Any]:
        """Counts and end-to-end latency (put to consumer) of the records put while the application ran."""
        with self._lock:
            lost = duplicated = misrouted = 0
            latencies: list[float] = []
            per_route: dict[str, int] = {}
            for key, (route, put_at, phase) in self.expected.items():
                got = self.deliveries.get(key, [])
                if not got:
                    lost += 1
                    continue
                duplicated += len(got) > 1
                misrouted += any(r != route for r, _ in got)
                per_route[route] = per_route.get(route, 0) + 1
                if phase == "running":
                    latencies.append((got[0][1] - put_at) * 1000)
            latencies.sort()
            return {
                "put": len(self.expected),
                "delivered": per_route,
                "lost": lost,
                "duplicated": duplicated,
                "misrouted": misrouted,
                "unexpected": self.unexpected,
                "latency_ms": {
                    "p50": round(_percentile(latencies, 50), 1),
                    "p99": round(_percentile(latencies, 99), 1),
                    "max": round(latencies[-1], 1) if latencies else 0.0,
                    "samples": len(latencies),
                },
            }

    @property
    def ok(self) -> bool:
        """Nothing lost, duplicated, misrouted or unexpected."""
        r = self.report()
        return not (r["lost"] or r["duplicated"] or r["misrouted"] or r["unexpected"])
