"""The offline runtime for the benchmark: a LocalRuntime whose consumer deliveries feed a swappable ledger."""

from __future__ import annotations

import threading
import time
from typing import Any

from fanout.bench.exceptions import BenchTimeoutError
from fanout.ledger import Ledger
from fanout.localcloud.deploy import ROUTER
from fanout.localcloud.event_sources import READ_AT
from fanout.localcloud.flink import LocalApplication, TransitionDelays
from fanout.localcloud.runtime import LocalRuntime

DELAYS = TransitionDelays(start=1.5, stop=1.5, update=0.3, delete=0.5)
"""Local transition times: short, and off the 1 s poll grid so the seconds the state machine adds show."""


class BenchRuntime:
    """A started LocalRuntime, the consumers' route per function, and the status transitions seen."""

    def __init__(self, stack_name: str = "fanout-bench", parameters: dict[str, str] | None = None) -> None:
        self.ledger = Ledger()
        self.transitions: list[tuple[float, str, str]] = []  # (epoch seconds, from, to)
        self._routes: dict[str, str] = {}
        self._lock = threading.Lock()
        self.rt = LocalRuntime(
            stack_name=stack_name,
            delays=DELAYS,
            parameters=parameters,
            environment_overrides={"POWERTOOLS_LOG_LEVEL": "ERROR"},
            on_delivered=self._delivered,
            on_job_batch=self._job_batch,
        )

    def __enter__(self) -> BenchRuntime:
        self.rt.start()
        self._routes = self.rt.deployment.routes()
        self.rt.cloud.flink.listeners.append(self._status)
        return self

    def __exit__(self, *exc: object) -> None:
        self.rt.stop()

    def _delivered(self, function: str, records: list[dict[str, Any]], at: float) -> None:
        route = self._routes.get(function, "?")
        with self._lock:
            ledger = self.ledger
        if route == ROUTER:  # the Lambda engine's router reads the input stream: its stages, not a delivery
            for record in records:
                stages = {"stored": _arrival(record), "read": record.get(READ_AT), "routed": at}
                ledger.stamp(record["Data"], {k: v for k, v in stages.items() if v is not None})
            return
        for record in records:
            arrived = _arrival(record)  # when the output stream stored it
            ledger.delivered(route, record["Data"], at, arrived)
            if READ_AT in record:
                ledger.stamp(record["Data"], {"mapping_read": record[READ_AT]})

    def _job_batch(self, app: str, records: list[dict[str, Any]], read_at: float, routed_at: float, _: float) -> None:
        with self._lock:
            ledger = self.ledger
        for record in records:
            stages = {"stored": _arrival(record), "read": read_at, "routed": routed_at}
            ledger.stamp(record["Data"], {k: v for k, v in stages.items() if v is not None})

    def _status(self, app: LocalApplication, old: str, new: str) -> None:
        self.transitions.append((time.time(), old, new))

    def fresh_ledger(self) -> Ledger:
        """Start counting into a new ledger (deliveries of earlier records then count as unexpected)."""
        with self._lock:
            self.ledger = Ledger()
        return self.ledger

    def output(self, key: str) -> str:
        """A stack output of the deployed template."""
        return self.rt.deployment.outputs[key]

    def status(self) -> str:
        """The application's current status (``MISSING`` before it exists)."""
        apps = self.rt.cloud.flink.applications()
        return apps[0].status if apps else "MISSING"

    def job_errors(self) -> list[str]:
        """Errors that stopped a local Flink job (running or finished)."""
        jobs = self.rt.jobs
        if jobs is None:
            return []
        every = [*jobs.jobs.values(), *(job for done in jobs.finished.values() for job in done)]
        return [f"{type(job.error).__name__}: {job.error}" for job in every if job.error is not None]

    def wait_status(self, status: str, timeout: float = 30.0) -> None:
        """Wait, bounded, until the application has ``status``."""
        deadline = time.monotonic() + timeout
        while self.status() != status:
            if time.monotonic() > deadline:
                raise BenchTimeoutError(f"the application is not {status} after {timeout} s")
            time.sleep(0.05)


def _arrival(record: dict[str, Any]) -> float | None:
    """When the stream stored the record (its ApproximateArrivalTimestamp), in epoch seconds."""
    arrived = record.get("ApproximateArrivalTimestamp")
    return arrived.timestamp() if arrived is not None else None
