"""The e2e harness: a started LocalRuntime plus a ledger fed by the consumers."""

from __future__ import annotations

import json
import time
from typing import Any

from fanout.ledger import Ledger
from fanout.localcloud.flink import TransitionDelays
from fanout.localcloud.runtime import LocalRuntime
from fanout.producer import Entry, labelled_transactions, partition_key_for, put_records

FAST = TransitionDelays(start=0.5, stop=0.5, update=0.2, delete=0.3)


class Harness:
    """A started LocalRuntime plus a ledger fed by the consumers."""

    def __init__(self, parameters: dict[str, str] | None = None) -> None:
        self.ledger = Ledger()
        self.routes: dict[str, str] = {}
        self.rt = LocalRuntime(
            stack_name="fanout-e2e",
            delays=FAST,
            parameters=parameters,
            environment_overrides={"POWERTOOLS_LOG_LEVEL": "ERROR"},
            on_delivered=self._delivered,
        )

    def _delivered(self, function: str, records: list[dict[str, Any]], at: float) -> None:
        if not self.routes[function]:
            return  # the router (Engine lambda): what counts is what the consumers get
        for record in records:
            self.ledger.delivered(self.routes[function], record["Data"], at)

    def start(self) -> Harness:
        self.rt.start()
        self.routes = {f.name: f.environment.get("CONSUMER_ROUTE", "") for f in self.rt.deployment.functions.values()}
        return self

    @property
    def outputs(self) -> dict[str, str]:
        return self.rt.deployment.outputs

    def run(self, name: str, payload: dict[str, Any]) -> str:
        sfn = self.rt.client("stepfunctions")
        return str(
            sfn.start_execution(
                stateMachineArn=self.outputs["LifecycleStateMachineArn"], name=name, input=json.dumps(payload)
            )["executionArn"]
        )

    def put(self, count: int, start_id: int, phase: str = "running") -> Any:
        records = list(labelled_transactions(count, seed=start_id, malformed_ratio=0.1, start_id=start_id))
        now = time.time()
        for data, route in records:
            self.ledger.expect(data, route, now, phase)
        entries = [Entry(i, d, partition_key_for(d, None)) for i, (d, _) in enumerate(records)]
        return put_records(self.rt.client("kinesis"), self.outputs["TransactionsStreamName"], entries)

    def wait_delivered(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.ledger.complete() and time.monotonic() < deadline:
            time.sleep(0.1)

    def wait_status(self, status: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            apps = self.rt.cloud.flink.applications()
            if apps and apps[0].status == status:
                return
            time.sleep(0.05)
        raise TimeoutError(f"application not {status} after {timeout}s")
