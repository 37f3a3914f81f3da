"""Throughput of the local route executor vs an orjson decode+encode loop (run: python benchmarks/...)."""

from __future__ import annotations

import random
import sys
import time
import warnings
from pathlib import Path

import orjson

from fanout.routes import RouteExecutor

SIZES = (100, 500, 2_000, 10_000)
SECONDS = 2.0


def records(count: int, seed: int = 7) -> list[bytes]:
    """~100-byte JSON records, 5% malformed."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if rng.random() < 0.05:
            out.append(b'{"id": %d, "username": "broken' % i)
            continue
        amount = round(rng.uniform(-500, 500), 2)
        user = rng.choice(["alice", "bob", "zoë", "ming"])
        out.append(orjson.dumps({"id": i, "username": user, "amount": amount, "note": "n" * 40}))
    return out


def orjson_loop(batch: list[bytes]) -> dict[str, list[tuple[int, bytes]]]:
    """The baseline: decode each record, route it on amount, re-encode the kept columns."""
    out: dict[str, list[tuple[int, bytes]]] = {"positive": [], "negative": [], "rejected": []}
    for i, record in enumerate(batch):
        try:
            doc = orjson.loads(record)
            amount = doc["amount"]
            route = "positive" if amount >= 0 else "negative"
            out[route].append((i, orjson.dumps({"id": doc["id"], "username": doc["username"], "amount": amount})))
        except Exception:
            out["rejected"].append((i, record))
    return out


def rate(run, data: list[bytes], size: int) -> float:
    """Records per second of ``run`` over ``data`` cut into batches of ``size``."""
    batches = [data[i : i + size] for i in range(0, len(data), size)]
    run(batches[0])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        for batch in batches:
            run(batch)
            done += len(batch)
    return done / (time.perf_counter() - start)


def main() -> None:
    """Print records/s per batch size for both."""
    warnings.simplefilter("ignore")
    sql = Path(__file__).resolve().parents[1].joinpath("sql", "fanout.sql").read_text()
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    executor = RouteExecutor.from_sql(sql, threads=threads)
    data = records(20_000)
    print(f"{'batch':>7} {'executor rec/s':>15} {'orjson rec/s':>13}")
    for size in SIZES:
        print(f"{size:>7} {rate(executor.execute, data, size):>15,.0f} {rate(orjson_loop, data, size):>13,.0f}")


if __name__ == "__main__":
    main()
