"""The demo scenario: two run windows offline, records put while running and while stopped, all verified.

`run_demo` reports what happens through `emit(kind, message)` and returns a summary; the CLI renders it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fanout import executions
from fanout.ledger import Ledger
from fanout.lifecycle.status import ApplicationStatus, ExecutionStatus
from fanout.live.feed import LiveFeed
from fanout.localcloud.deploy import ROUTER
from fanout.localcloud.flink import LocalApplication, TransitionDelays
from fanout.localcloud.runtime import LocalRuntime
from fanout.producer import Entry, labelled_transactions, partition_key_for, put_records
from fanout.runtimes import DEFAULT_RUNTIME

Emit = Callable[[str, str], None]


@dataclass(frozen=True)
class DemoSettings:
    """What the demo does; the defaults finish in well under a minute on two cores."""

    records: int = 3000
    stopped_records: int = 1000
    rate: int = 1500
    malformed_ratio: float = 0.05
    window_seconds: int = 6
    second_window_seconds: int = 3
    seed: int = 7
    drain_timeout: float = 20.0
    engine: str = "flink"
    """flink: the lifecycle runs the local Flink application in two windows; lambda: the router function runs
    the same routes in the input stream's event source mapping, always on (no windows)."""
    runtime: str = DEFAULT_RUNTIME
    """The stack's FlinkRuntime: the Flink the local application emulates (engine flink)."""
    batching_window: int | None = None
    """The consumers' MaximumBatchingWindowInSeconds (ConsumerBatchingWindowSeconds); None: the template's (1 s),
    which a batch that does not fill waits out, and which so adds up to a second to the latency."""


class _Demo:
    def __init__(self, settings: DemoSettings, emit: Emit, log_level: str, feed: LiveFeed | None = None) -> None:
        self.s = settings
        self.feed = feed
        self.emit = emit
        self.log_level = log_level
        self.ledger = Ledger()
        self.routes: dict[str, str] = {}
        self.running = threading.Event()
        self.transitions: list[dict[str, Any]] = []
        self.executions: list[dict[str, Any]] = []
        self.t0 = time.monotonic()

    def on_delivered(self, function: str, records: list[dict[str, Any]], at: float) -> None:
        if self.feed is not None:
            self.feed.on_delivered(function, records, at)
        route = self.routes.get(function, "?")
        if route == ROUTER:
            self.emit("router", f"router routed a batch of {len(records)}")
            return
        for record in records:
            self.ledger.delivered(route, record["Data"], at)
        self.emit("consumer", f"{route:<8} consumer got a batch of {len(records)}")

    def on_status(self, app: LocalApplication, old: str, new: str) -> None:
        self.transitions.append({"at": round(time.monotonic() - self.t0, 2), "from": old, "to": new})
        self.emit("lifecycle", f"application {app.name}: {old} → {new}")
        if new == ApplicationStatus.RUNNING:
            self.running.set()
        elif old == ApplicationStatus.RUNNING:
            self.running.clear()

    def put(self, rt: LocalRuntime, count: int, start_id: int, phase: str) -> dict[str, Any]:
        stream = rt.deployment.outputs["TransactionsStreamName"]
        kinesis = rt.client("kinesis")
        records = list(
            labelled_transactions(
                count, seed=self.s.seed + start_id, malformed_ratio=self.s.malformed_ratio, start_id=start_id
            )
        )
        calls = sent = 0
        chunk = 500
        for offset in range(0, len(records), chunk):
            part = records[offset : offset + chunk]
            began = time.time()
            for data, route in part:
                self.ledger.expect(data, route, began, phase)
            report = put_records(
                kinesis, stream, [Entry(offset + i, d, partition_key_for(d, None)) for i, (d, _) in enumerate(part)]
            )
            calls += report.calls
            sent += report.sent
            self.emit("producer", f"put {offset + len(part)}/{len(records)} records ({phase})")
            pause = len(part) / self.s.rate - (time.time() - began)
            if pause > 0:
                time.sleep(pause)
        return {"records": sent, "calls": calls}

    def window(self, rt: LocalRuntime, name: str, seconds: int) -> tuple[str, threading.Thread]:
        sfn = rt.client("stepfunctions")
        payload = {"action": "run", "duration": f"PT{seconds}S"}
        arn = sfn.start_execution(
            stateMachineArn=rt.deployment.outputs["LifecycleStateMachineArn"], name=name, input=json.dumps(payload)
        )["executionArn"]
        self.emit("state", f"execution {name} started with {json.dumps(payload)}")

        def follow() -> None:
            states = []
            for event in executions.follow(sfn, arn, poll_seconds=0.2, timeout_seconds=120):
                if "stateEnteredEventDetails" in event:
                    states.append(event["stateEnteredEventDetails"]["name"])
                line = executions.describe_event(event)
                if line:
                    self.emit("state", f"{name}: {line}")
            result = sfn.describe_execution(executionArn=arn)
            self.executions.append(
                {"name": name, "status": result["status"], "error": result.get("error"), "states": states}
            )

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        return arn, thread

    def run(self) -> dict[str, Any]:
        runtime = LocalRuntime(
            stack_name="fanout-demo",
            delays=TransitionDelays(start=1.0, stop=1.0, update=0.3, delete=0.5),
            parameters={
                "Engine": self.s.engine,
                "FlinkRuntime": self.s.runtime,
                **(
                    {"ConsumerBatchingWindowSeconds": str(self.s.batching_window)}
                    if self.s.batching_window is not None
                    else {}
                ),
            },
            environment_overrides={"POWERTOOLS_LOG_LEVEL": self.log_level},
            on_delivered=self.on_delivered,
        )
        if self.s.engine == "lambda":
            return self.run_router(runtime)
        checks: dict[str, bool] = {}
        with runtime as rt:
            self.routes = rt.deployment.routes()
            rt.cloud.flink.listeners.append(self.on_status)
            self._attach(rt)
            self.emit("cloud", f"local cloud at {rt.cloud.endpoint}; stack fanout-demo deployed from template.yaml")
            for line in rt.deployment.not_emulated_by_reason():
                self.emit("cloud", f"no local effect: {line}")
            _, first = self.window(rt, "window-1", self.s.window_seconds)
            if not self.running.wait(30):
                raise TimeoutError("the application did not reach RUNNING within 30 s")
            produced = self.put(rt, self.s.records, 1, "running")
            first.join(120)
            stopped = self.put(rt, self.s.stopped_records, self.s.records + 1, "stopped")
            time.sleep(1.0)
            checks["records put while stopped wait for the restore"] = self.ledger.delivered_count("stopped") == 0
            _, second = self.window(rt, "window-2", self.s.second_window_seconds)
            second.join(120)
            deadline = time.monotonic() + self.s.drain_timeout
            while not self.ledger.complete() and time.monotonic() < deadline:
                time.sleep(0.1)
            mappings = {m.function.name: m.stats.as_dict() for m in rt.mappings}
            jobs = rt.jobs.finished if rt.jobs else {}
            self._detach()
        report = self.ledger.report()
        dlq = sum(m["records_to_dlq"] for m in mappings.values())
        checks["nothing lost, duplicated or misrouted"] = self.ledger.ok
        checks["every execution succeeded"] = (
            all(e["status"] == ExecutionStatus.SUCCEEDED for e in self.executions) and len(self.executions) == 2
        )
        checks["records put while stopped delivered after the restore, once"] = (
            self.ledger.delivered_count("stopped") == self.s.stopped_records
        )
        checks["nothing in the consumers' dead-letter queue"] = dlq == 0
        return {
            "ok": all(checks.values()),
            "checks": checks,
            "runtime": self.s.runtime,
            "records": report,
            "producer": {"running": produced, "stopped": stopped},
            "consumers": {self.routes.get(name, name): stats for name, stats in mappings.items()},
            "flink_jobs": [
                {
                    "records_in": j.stats.records_in,
                    "records_out": j.stats.records_out,
                    "error": str(j.error or ""),
                    "runtime": j.executor.program.runtime,  # what the local application emulated
                }
                for app_jobs in jobs.values()
                for j in app_jobs
            ],
            "executions": self.executions,
            "transitions": self.transitions,
            "seconds": round(time.monotonic() - self.t0, 1),
        }

    def _attach(self, rt: LocalRuntime) -> None:
        """Let the live page (if any) watch this runtime."""
        if self.feed is not None:
            self.feed.attach(rt, self.routes)

    def _detach(self) -> None:
        """The live page's last sample, while the runtime still runs."""
        if self.feed is not None:
            self.feed.detach()

    def run_router(self, runtime: LocalRuntime) -> dict[str, Any]:
        """The Lambda engine: records put at the producer's rate, routed by the router as they arrive."""
        checks: dict[str, bool] = {}
        with runtime as rt:
            self.routes = rt.deployment.routes()
            self._attach(rt)
            self.emit("cloud", f"local cloud at {rt.cloud.endpoint}; stack fanout-demo (Engine lambda) deployed")
            for line in rt.deployment.not_emulated_by_reason():
                self.emit("cloud", f"no local effect: {line}")
            produced = self.put(rt, self.s.records + self.s.stopped_records, 1, "running")
            deadline = time.monotonic() + self.s.drain_timeout
            while not self.ledger.complete() and time.monotonic() < deadline:
                time.sleep(0.1)
            mappings = {m.function.name: m.stats.as_dict() for m in rt.mappings}
            dead_letters = rt.client("sqs").get_queue_attributes(
                QueueUrl=rt.deployment.outputs["RouterDeadLetterQueueUrl"],
                AttributeNames=["ApproximateNumberOfMessages"],
            )["Attributes"]["ApproximateNumberOfMessages"]
            self._detach()
        report = self.ledger.report()
        consumers = {self.routes.get(name, name): stats for name, stats in mappings.items()}
        router = consumers.pop(ROUTER, {})
        checks["nothing lost, duplicated or misrouted"] = self.ledger.ok
        checks["the router wrote every batch (none failed, none dead-lettered)"] = (
            router.get("invocations_failed", 1) == 0 and router.get("records_to_dlq", 1) == 0 and dead_letters == "0"
        )
        checks["nothing in the consumers' dead-letter queue"] = (
            sum(m["records_to_dlq"] for m in consumers.values()) == 0
        )
        return {
            "ok": all(checks.values()),
            "engine": "lambda",
            "checks": checks,
            "records": report,
            "producer": {"running": produced},
            "router": router,
            "consumers": consumers,
            "seconds": round(time.monotonic() - self.t0, 1),
        }


def run_demo(
    settings: DemoSettings | None = None,
    emit: Emit | None = None,
    log_level: str = "WARNING",
    feed: LiveFeed | None = None,
) -> dict[str, Any]:
    """Run the demo and return its summary (``summary["ok"]`` says whether every check held); ``feed`` lets a
    live page watch it."""
    return _Demo(settings or DemoSettings(), emit or (lambda kind, message: None), log_level, feed).run()
