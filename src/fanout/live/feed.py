"""What the live page shows, gathered from a running offline runtime once a second.

Streams are counted as AWS counts them: records in from CloudWatch (``AWS/Kinesis`` ``IncomingRecords``, which
the local cloud publishes on every put, whoever the producer is), records out from what read them (the Flink
job or the router's mapping for the input, the consumers' mappings for the outputs). The application's
transitions come from the local control plane as they happen; the executions from Step Functions; the
consumers' batches, retries, dead letters and iterator age from their event source mappings.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fanout.consumer import rejection_reason
from fanout.lifecycle.status import ApplicationStatus, ExecutionStatus

if TYPE_CHECKING:
    from fanout.localcloud.flink import LocalApplication
    from fanout.localcloud.runtime import LocalRuntime

INPUT = "input"
HISTORY = 180  # samples of the rates chart (one a second: three minutes)
REJECTED_KEPT = 10
EXECUTIONS_KEPT = 10


class LiveFeed:
    """Collects the page's state. ``attach`` it to a started runtime, ``detach`` before the runtime stops (a
    last sample is taken, and the page keeps showing it)."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._version = 0
        self._rt: LocalRuntime | None = None
        self._routes: dict[str, str] = {}  # function name -> route ("router" for the Lambda engine's router)
        self._streams: dict[str, str] = {}  # stream name -> route (INPUT for the input stream)
        self._started = time.time()
        self._in_before: dict[str, float] = {}
        self._out_before: dict[str, int] = {}
        self._sampled_at = 0.0
        self._series: deque[dict[str, Any]] = deque(maxlen=HISTORY)
        self._transitions: list[dict[str, Any]] = []
        self._application = ""
        self._rejected: deque[dict[str, Any]] = deque(maxlen=REJECTED_KEPT)
        self._state: dict[str, Any] = {"phase": "starting", "streams": [], "executions": [], "consumers": []}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors = 0  # samples that failed (the cloud stopping, a call refused): counted, never fatal

    # ---------------------------------------------------------------- hooks
    def on_delivered(self, function: str, records: list[dict[str, Any]], at: float) -> None:
        """The event source mappings' hook: keeps the last rejected records, with why they were rejected."""
        if self._routes.get(function) != "rejected":
            return
        with self._lock:
            for record in records[-REJECTED_KEPT:]:
                data: bytes = record["Data"]
                self._rejected.appendleft(
                    {
                        "at": at,
                        "sequence": record["SequenceNumber"],
                        "preview": data[:80].decode("utf-8", errors="replace"),
                        "reason": rejection_reason(data),
                    }
                )

    def on_status(self, app: LocalApplication, old: str, new: str) -> None:
        """The local control plane's listener: every transition, when it happened."""
        with self._changed:
            self._application = app.name
            self._transitions.append({"at": time.time(), "from": old, "to": new})
            self._version += 1
            self._changed.notify_all()

    # ---------------------------------------------------------------- lifecycle
    def attach(self, rt: LocalRuntime, routes: Mapping[str, str] | None = None) -> None:
        """Start sampling ``rt`` (its flink listener is added here; pass ``on_delivered`` to the runtime)."""
        from fanout.localcloud.deploy import ROUTER  # the offline runtime's (the ``local`` extra), as ``rt`` is

        self._rt = rt
        functions = rt.deployment.functions.values()
        self._routes = dict(routes) if routes is not None else rt.deployment.routes()
        self._streams = {rt.deployment.outputs["TransactionsStreamName"]: INPUT}
        for function in functions:
            route = self._routes.get(function.name, "?")
            for source in function.event_sources:
                if route != ROUTER:
                    self._streams[source.stream_arn.split("/", 1)[1]] = route
        self._started = time.time()
        rt.cloud.flink.listeners.append(self.on_status)
        self.sample()
        self._thread = threading.Thread(target=self._run, name="live-feed", daemon=True)
        self._thread.start()

    def detach(self) -> None:
        """Take a last sample and stop sampling (call it while the runtime still runs)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.sample(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    # ---------------------------------------------------------------- sampling
    def sample(self, final: bool = False) -> None:
        """Read the runtime once and publish a new state."""
        rt = self._rt
        if rt is None:
            return
        try:
            now = time.time()
            streams = self._stream_counts(rt, now)
            executions = self._executions(rt)
            consumers = self._consumers(rt)
        except Exception:
            self.errors += 1
            return
        with self._changed:
            elapsed = now - self._sampled_at if self._sampled_at else 0.0
            point: dict[str, Any] = {"t": round(now - self._started, 1)}
            for stream in streams:
                name = stream["name"]
                if elapsed > 0:
                    stream["in_per_s"] = round((stream["in_total"] - self._in_before.get(name, 0)) / elapsed, 1)
                    stream["out_per_s"] = round((stream["out_total"] - self._out_before.get(name, 0)) / elapsed, 1)
                self._in_before[name], self._out_before[name] = stream["in_total"], stream["out_total"]
                point[name] = stream["in_per_s"]
            routed = sum(s["in_total"] for s in streams if s["route"] != INPUT) or 1
            for stream in streams:
                stream["share"] = round(stream["in_total"] / routed, 4) if stream["route"] != INPUT else None
            if elapsed > 0:
                self._series.append(point)
            self._sampled_at = now
            self._state = {
                "phase": "finished" if final else "running",
                "stack": rt.stack_name,
                "endpoint": rt.cloud.endpoint,
                "started": self._started,
                "at": now,
                "streams": streams,
                "executions": executions,
                "consumers": consumers,
            }
            self._version += 1
            self._changed.notify_all()

    def _stream_counts(self, rt: LocalRuntime, now: float) -> list[dict[str, Any]]:
        cloudwatch = rt.client("cloudwatch")
        out = self._records_out(rt)
        streams = []
        for name, route in self._streams.items():
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/Kinesis",
                MetricName="IncomingRecords",
                Dimensions=[{"Name": "StreamName", "Value": name}],
                StartTime=datetime.fromtimestamp(self._started - 60, UTC),
                EndTime=datetime.fromtimestamp(now + 60, UTC),
                Period=86_400,
                Statistics=["Sum"],
            )["Datapoints"]
            streams.append(
                {
                    "name": name,
                    "route": route,
                    "in_total": int(sum(p["Sum"] for p in points)),
                    "out_total": out.get(route, 0),
                    "in_per_s": 0.0,
                    "out_per_s": 0.0,
                }
            )
        return streams

    def _records_out(self, rt: LocalRuntime) -> dict[str, int]:
        """Records read from each stream (by route): the consumers' mappings, the job or the router's mapping."""
        from fanout.localcloud.deploy import ROUTER

        out: dict[str, int] = {}
        for mapping in rt.mappings:
            route = self._routes.get(mapping.function.name, "?")
            out[INPUT if route == ROUTER else route] = int(mapping.stats.as_dict()["records_delivered"])
        if rt.jobs is not None:
            jobs = [*rt.jobs.jobs.values(), *(job for done in rt.jobs.finished.values() for job in done)]
            if jobs:
                out[INPUT] = sum(job.stats.records_in for job in jobs)
        return out

    def _executions(self, rt: LocalRuntime) -> list[dict[str, Any]]:
        arn = rt.deployment.outputs.get("LifecycleStateMachineArn")
        if not arn:
            return []
        sfn = rt.client("stepfunctions")
        found = sfn.list_executions(stateMachineArn=arn, maxResults=EXECUTIONS_KEPT)["executions"]
        rows = []
        for execution in found:
            state = ""
            if execution["status"] == ExecutionStatus.RUNNING:
                state = _current_state(sfn, execution["executionArn"])
            rows.append(
                {
                    "name": execution["name"],
                    "status": execution["status"],
                    "state": state,
                    "started": execution["startDate"].timestamp(),
                }
            )
        return sorted(rows, key=lambda r: r["started"])

    def _consumers(self, rt: LocalRuntime) -> list[dict[str, Any]]:
        rows = []
        for mapping in rt.mappings:
            stats = mapping.stats.as_dict()
            rows.append(
                {
                    "function": mapping.function.name,
                    "route": self._routes.get(mapping.function.name, "?"),
                    "batches": stats["batches"],
                    "records": stats["records_delivered"],
                    "retried": stats["records_retried"],
                    "failed_invocations": stats["invocations_failed"],
                    "dead_letters": stats["records_to_dlq"],
                    "iterator_age_ms": stats["iterator_age_ms"],
                    "poll_errors": stats["poll_errors"],
                }
            )
        return rows

    # ---------------------------------------------------------------- reading
    def snapshot(self) -> dict[str, Any]:
        """The page's state now (a copy)."""
        with self._lock:
            return {
                **self._state,
                "series": list(self._series),
                "application": self._application_view(),
                "rejected": list(self._rejected),
                "version": self._version,
                "sample_errors": self.errors,
            }

    def wait(self, version: int, timeout: float) -> int:
        """Block until the state is newer than ``version`` (or ``timeout``); the current version."""
        with self._changed:
            self._changed.wait_for(lambda: self._version != version, timeout)
            return self._version

    def _application_view(self) -> dict[str, Any]:
        windows: list[dict[str, Any]] = []
        for t in self._transitions:
            if t["to"] == ApplicationStatus.RUNNING:
                windows.append({"start": t["at"], "end": None})
            elif t["from"] == ApplicationStatus.RUNNING and windows and windows[-1]["end"] is None:
                windows[-1]["end"] = t["at"]
        return {
            "name": self._application,
            "status": self._transitions[-1]["to"] if self._transitions else "",
            "transitions": list(self._transitions),
            "windows": windows,
        }


def _current_state(sfn: Any, execution_arn: str) -> str:
    """The state a running execution last entered (its history read to the end, newest event last)."""
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    entered = [e for e in events if "stateEnteredEventDetails" in e]
    return str(max(entered, key=lambda e: e["id"])["stateEnteredEventDetails"]["name"]) if entered else ""
