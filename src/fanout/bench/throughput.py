"""Route evaluator throughput against two baselines measured in the same run, and a correctness check.

The evaluator (what every engine routes with) is measured, and the DuckDB executor beside it
(``engine="duckdb"``, proven only for the project's own scripts, so a comparison). Baselines: the JSON floor
(orjson decode and encode of every record in a Python loop, no routing: no JSON router written in Python goes
faster) and the naive router a Lambda fan-out would use (stdlib json, an if/else on the amount, json.dumps).
The orjson router (the naive router on orjson) shows how close a per-record Python router can come to the
floor at all, with none of Flink's semantics. Each engine is timed in turns, best of ``repeats``, so that
noise from other processes on a shared machine hits them alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import orjson

from fanout.bench.data import SINK_ROUTES, reference_assignment, transactions
from fanout.bench.targets import Target
from fanout.cost.router import RouterLoad, RouterPrices, cost_per_million
from fanout.routes import RouteExecutor


class Executor(Protocol):
    """What the benchmark needs of a route executor."""

    def execute(self, batch: Sequence[bytes]) -> dict[str, list[tuple[int, bytes]]]:
        """Route one batch: for each sink, (input index, payload)."""
        ...


ExecutorFactory = Callable[[str, int], Executor]


@dataclass(frozen=True)
class ThroughputSettings:
    """Sizes and time budget of the throughput section."""

    batch_sizes: tuple[int, ...] = (100, 500, 2_000, 10_000)
    records: int = 20_000
    seconds: float = 1.0
    repeats: int = 3
    threads: int = 1


def json_floor(batch: Sequence[bytes]) -> int:
    """Decode and re-encode every record with orjson; no routing. Returns how many were valid JSON."""
    loads, dumps, valid = orjson.loads, orjson.dumps, 0
    for record in batch:
        try:
            dumps(loads(record))
            valid += 1
        except orjson.JSONDecodeError:
            pass
    return valid


def naive_router(batch: Sequence[bytes]) -> dict[str, list[bytes]]:
    """The Lambda fan-out way: json.loads, an if/else on the amount, json.dumps of the kept fields."""
    out: dict[str, list[bytes]] = {"positive": [], "negative": [], "rejected": []}
    for record in batch:
        try:
            doc = json.loads(record)
            kept = {"id": doc["id"], "username": doc["username"], "amount": doc["amount"]}
            route = "positive" if doc["amount"] >= 0 else "negative"
        except (ValueError, KeyError, TypeError):
            out["rejected"].append(record)
            continue
        out[route].append(json.dumps(kept, separators=(",", ":")).encode())
    return out


def orjson_router(batch: Sequence[bytes]) -> dict[str, list[bytes]]:
    """The naive router on orjson: about the fastest a per-record Python router goes, with none of Flink's
    semantics (the ceiling any evaluator written in Python can approach, not a baseline to beat)."""
    out: dict[str, list[bytes]] = {"positive": [], "negative": [], "rejected": []}
    loads, dumps = orjson.loads, orjson.dumps
    for record in batch:
        try:
            doc = loads(record)
            amount = doc["amount"]
            route = "positive" if amount >= 0 else "negative"
            out[route].append(dumps({"id": doc["id"], "username": doc["username"], "amount": amount}))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            out["rejected"].append(record)
    return out


def best_rate(run: Callable[[Sequence[bytes]], object], batches: Sequence[Sequence[bytes]], seconds: float) -> float:
    """Records per second of ``run`` over ``batches``, cycled for about ``seconds`` (after one warm-up call)."""
    run(batches[0])
    done, start = 0, time.perf_counter()
    while True:
        for batch in batches:
            run(batch)
            done += len(batch)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def check_routing(executor: Executor, records: Sequence[bytes], size: int) -> list[str]:
    """Route ``records`` in batches of ``size`` and compare each record's routes with the reference.

    Returns one line per mismatching record (empty when every record took exactly its reference route).
    """
    expected = {index: route for route, indexes in reference_assignment(records).items() for index in indexes}
    got: dict[int, list[str]] = {}
    problems: list[str] = []
    for offset in range(0, len(records), size):
        for sink, rows in executor.execute(records[offset : offset + size]).items():
            route = SINK_ROUTES.get(sink)
            if route is None:
                problems.append(f"unknown sink {sink!r}")
                continue
            for index, _ in rows:
                got.setdefault(offset + index, []).append(route)
    for index, route in expected.items():
        if got.get(index) != [route]:
            problems.append(f"record {index} {records[index][:60]!r}: expected {route}, got {got.get(index, [])}")
    return problems


def run_throughput(
    sql: str, settings: ThroughputSettings | None = None, factory: ExecutorFactory | None = None
) -> dict[str, Any]:
    """Measure the executor built by ``factory`` (default ``RouteExecutor.from_sql``) on ``sql``.

    Example:
        >>> run_throughput(Path("sql/fanout.sql").read_text(), ThroughputSettings(batch_sizes=(100,)))["correct"]
        True
    """
    s = settings or ThroughputSettings()
    executor = (factory or RouteExecutor.from_sql)(sql, s.threads)
    duckdb = RouteExecutor.from_sql(sql, s.threads, engine="duckdb") if factory is None else None
    records = transactions(max(s.records, *s.batch_sizes))
    problems = [line for size in s.batch_sizes for line in check_routing(executor, records, size)]
    duckdb_problems = (
        [line for size in s.batch_sizes for line in check_routing(duckdb, records, size)] if duckdb else []
    )
    engines: dict[str, Callable[[Sequence[bytes]], object]] = {
        "executor": executor.execute,
        "floor": json_floor,
        "naive": naive_router,
        "orjson_router": orjson_router,
    }
    if duckdb is not None:
        engines["duckdb"] = duckdb.execute
    rows = []
    for size in s.batch_sizes:
        batches = [records[i : i + size] for i in range(0, len(records) - size + 1, size)]
        best = dict.fromkeys(engines, 0.0)
        for _ in range(s.repeats):
            for name, run in engines.items():
                best[name] = max(best[name], best_rate(run, batches, s.seconds))
        rows.append(
            {
                "batch": size,
                "executor_rps": round(best["executor"]),
                "executor_ms_per_batch": round(size / best["executor"] * 1000, 3),
                "floor_rps": round(best["floor"]),
                "naive_rps": round(best["naive"]),
                "vs_floor": round(best["executor"] / best["floor"], 3),
                "vs_naive": round(best["executor"] / best["naive"], 2),
                "orjson_router_rps": round(best["orjson_router"]),
                "orjson_router_vs_floor": round(best["orjson_router"] / best["floor"], 3),
                "orjson_router_vs_naive": round(best["orjson_router"] / best["naive"], 2),
            }
        )
        if duckdb is not None:
            rows[-1] |= {
                "duckdb_rps": round(best["duckdb"]),
                "duckdb_vs_floor": round(best["duckdb"] / best["floor"], 3),
            }
    return {
        "settings": asdict(s),
        "router": router_figures(rows),
        "record_bytes_mean": round(sum(map(len, records)) / len(records), 1),
        "rows": rows,
        "correct": not problems,
        "mismatches": len(problems),
        "mismatch_examples": problems[:5],
        "duckdb_mismatches": len(duckdb_problems),
        "targets": [asdict(t) for t in throughput_targets(rows, not problems, len(problems))]
        + (
            [
                asdict(
                    Target(
                        "routes: DuckDB output = Decimal reference",
                        f"{len(duckdb_problems)} mismatches",
                        "0",
                        not duckdb_problems,
                    )
                )
            ]
            if duckdb
            else []
        ),
    }


def router_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The Lambda engine's CPU per 1,000 records (the evaluator's, per batch size) and so what a million records
    cost it at 128 and 256 MB (full batches, ``fanout cost``'s model: CPU stretched below a full vCPU, plus
    30 ms of PutRecords round trips a batch)."""
    figures: dict[str, Any] = {}
    for row in rows:
        cpu = 1_000_000 / row["executor_rps"] if row["executor_rps"] else float("inf")
        load = {"rate": row["batch"], "batch_size": row["batch"], "batching_window_seconds": 1, "cpu_ms_per_1000": cpu}
        figures[str(row["batch"])] = {
            "cpu_ms_per_1000": round(cpu, 2),
            "usd_per_million_128mb": round(cost_per_million(RouterLoad(**load, memory_mb=128), RouterPrices()), 4),
            "usd_per_million_256mb": round(cost_per_million(RouterLoad(**load, memory_mb=256), RouterPrices()), 4),
        }
    return figures


# The evaluator's goals by batch size: (at least this fraction of the JSON floor, at least this multiple of the
# naive router). The router Lambda gets batches of 100 to 500; 10,000 is what a backlog or `sql run` gets.
GOALS: dict[int, tuple[float, float | None]] = {100: (0.5, 3.0), 500: (0.5, 3.0), 10_000: (1.0, None)}


def throughput_targets(rows: list[dict[str, Any]], correct: bool, mismatches: int) -> list[Target]:
    """The targets for this section (GOALS), each met or not."""
    targets = [Target("routes: evaluator output = Decimal reference", f"{mismatches} mismatches", "0", correct)]
    for row in rows:
        if row["batch"] not in GOALS:
            continue
        floor, naive = GOALS[row["batch"]]
        size = f"{row['batch']:,}-record batches"
        ratio = row["vs_floor"]
        targets.append(Target(f"routes: {size} vs JSON floor", f"{ratio:.2f}x", f"≥ {floor}x", ratio >= floor))
        if naive is not None:
            ratio = row["vs_naive"]
            targets.append(Target(f"routes: {size} vs naive router", f"{ratio:.2f}x", f"≥ {naive}x", ratio >= naive))
    return targets
