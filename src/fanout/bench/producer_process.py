"""The latency benchmark's producer, in a process of its own, as a real producer is: the local cloud's process
is then charged only with what the cloud does (its server, the Flink job, the mappings, the functions).

The child puts ``transactions(rate * seconds, seed=start_id, start_id=start_id)`` in slices, one slice every
``tick`` on an absolute schedule, and reports when it put each slice; the parent, which knows the same records,
records the expectations in its ledger.
"""

from __future__ import annotations

import json
import os
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from fanout.bench.data import transactions
from fanout.bench.exceptions import ProducerProcessError
from fanout.producer import Entry, partition_key_for, put_records


@dataclass(frozen=True)
class ProducerPlan:
    """What the producer process puts, where, and how fast."""

    environment: Mapping[str, str]  # the local cloud's client environment (endpoint, credentials, region)
    stream: str
    rate: int
    seconds: float
    tick: float
    start_id: int

    def records(self) -> list[bytes]:
        """The records of the run (the same in both processes)."""
        return transactions(int(self.rate * self.seconds), seed=self.start_id, start_id=self.start_id)


def _produce(plan: ProducerPlan, records: list[bytes]) -> dict[str, Any]:
    import boto3

    kinesis = boto3.client("kinesis")
    per_tick = max(1, round(plan.rate * plan.tick))
    calls: list[int] = []
    put_ms: list[float] = []
    slices: list[tuple[int, int, float]] = []  # (first record, records, epoch seconds before the call)
    failed = put = 0
    began = time.monotonic()
    for step, offset in enumerate(range(0, len(records), per_tick)):
        pause = began + step * plan.tick - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        elif time.monotonic() - began >= plan.seconds:
            break  # the local cloud could not keep up: what was put in the time is the achieved rate
        chunk = records[offset : offset + per_tick]
        put_at = time.time()
        report = put_records(
            kinesis, plan.stream, [Entry(i, d, partition_key_for(d, None)) for i, d in enumerate(chunk)]
        )
        put_ms.append((time.time() - put_at) * 1000)
        slices.append((offset, len(chunk), put_at))
        put += len(chunk)
        calls.extend(report.records_per_call)
        failed += len(report.failed) + len(report.rejected)
    elapsed = time.monotonic() - began
    return {
        "put": put,
        "seconds": round(elapsed, 2),
        "achieved_rps": round(put / elapsed),
        "put_calls": len(calls),
        "failed": failed,
        "put_call_ms_p50": round(statistics.median(put_ms), 1) if put_ms else None,
        "slices": slices,
    }


def _child() -> None:
    """``python -m fanout.bench.producer_process``: read the plan (a JSON line), say ready, wait for go, put,
    print the result (a JSON line)."""
    try:
        plan = ProducerPlan(**json.loads(sys.stdin.readline()))
        os.environ.update(plan.environment)
        records = plan.records()
        print(json.dumps({"ready": True}), flush=True)
        sys.stdin.readline()  # go
        print(json.dumps({"done": _produce(plan, records)}), flush=True)
    except Exception as exc:  # reported to the parent, which raises it as a bench error
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)


def run_producer(plan: ProducerPlan, *, timeout: float = 120.0) -> dict[str, Any]:
    """Put ``plan`` from a new process (started, set up, then told to go) and return what it did."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fanout.bench.producer_process"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps(asdict(plan)) + "\n")
        process.stdin.flush()
        for expected in ("ready", "done"):
            message = _line(process, timeout, expected)
            if "error" in message:
                raise ProducerProcessError(f"the producer process failed: {message['error']}")
            if expected == "ready":
                process.stdin.write("go\n")
                process.stdin.flush()
        return dict(message["done"])
    finally:
        process.stdin.close()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()


def _line(process: subprocess.Popen[str], timeout: float, expected: str) -> dict[str, Any]:
    """The child's next JSON line, within ``timeout``."""
    assert process.stdout is not None
    if not select.select([process.stdout], [], [], timeout)[0]:
        process.kill()
        raise ProducerProcessError(f"the producer process did not report {expected!r} within {timeout:g} s")
    line = process.stdout.readline()
    if not line:
        raise ProducerProcessError(f"the producer process ended before reporting {expected!r}")
    return dict(json.loads(line))


if __name__ == "__main__":
    _child()
