"""The throughput section: its baselines, its reference routing, and that it catches a wrong engine."""

from __future__ import annotations

import json
from collections.abc import Sequence

from fanout.bench import BenchSettings, run_bench
from fanout.bench.data import reference_assignment, reference_route, transactions
from fanout.bench.throughput import ThroughputSettings, json_floor, naive_router, orjson_router, run_throughput
from fanout.routes import RouteExecutor
from tests.support import ROOT

SQL = (ROOT / "sql" / "fanout.sql").read_text()
TINY = ThroughputSettings(batch_sizes=(100, 500), records=1_000, seconds=0.01, repeats=1)


class SwapsOneRecord:
    """A fast but wrong engine: the real executor, except that each batch's first positive record goes negative."""

    def __init__(self, sql: str, threads: int) -> None:
        self.inner = RouteExecutor.from_sql(sql, threads)

    def execute(self, batch: Sequence[bytes]) -> dict[str, list[tuple[int, bytes]]]:
        routed = self.inner.execute(batch)
        first, *rest = routed["positive_transactions"]
        routed["positive_transactions"] = rest
        routed["negative_transactions"] = sorted([*routed["negative_transactions"], first])
        return routed


def test_transactions_mix_is_about_100_bytes_with_5_percent_unroutable() -> None:
    # GIVEN/WHEN 10,000 benchmark records
    records = transactions(10_000)
    counts = {route: len(indexes) for route, indexes in reference_assignment(records).items()}
    # THEN they average about 100 bytes, about 5% are unroutable, and the rest split evenly
    assert 90 <= sum(map(len, records)) / len(records) <= 110
    assert 400 <= counts["rejected"] <= 600
    assert abs(counts["positive"] - counts["negative"]) < 200


def test_reference_route_follows_the_sql_contract() -> None:
    # GIVEN records at the edges of the contract in sql/fanout.sql
    cases = {
        b'{"amount": -0.0}': "positive",
        b'{"amount": "12.5"}': "positive",
        b'{"amount": -0.004}': "positive",  # rounds HALF_UP to 0.00
        b'{"amount": -0.005}': "negative",
        b'{"amount": 99999999999}': "rejected",  # beyond DECIMAL(12, 2)
        b'{"amount": true}': "rejected",
        b'{"amount": "12,50"}': "rejected",
        b"[1, 2]": "rejected",
        b"{broken": "rejected",
    }
    # WHEN/THEN the reference routes each as promised, and the executor agrees
    assert {record: reference_route(record) for record in cases} == cases
    routed = RouteExecutor.from_sql(SQL).execute(list(cases))
    got = {route: [i for i, _ in routed[f"{route}_transactions"]] for route in ("positive", "negative", "rejected")}
    assert got == reference_assignment(list(cases))


def test_baselines_route_and_count_like_the_reference() -> None:
    # GIVEN benchmark records
    records = transactions(500)
    expected = {route: len(indexes) for route, indexes in reference_assignment(records).items()}
    # WHEN the two baselines run over them
    naive = naive_router(records)
    # THEN the naive router agrees with the reference and the floor decodes every well-formed JSON document
    assert {route: len(out) for route, out in naive.items()} == expected
    assert expected["positive"] + expected["negative"] <= json_floor(records) < len(records)


def test_run_throughput_with_tiny_sizes_reports_every_ratio_and_target() -> None:
    # GIVEN/WHEN the throughput section runs at tiny sizes on the real executor
    result = run_throughput(SQL, TINY)
    # THEN it is correct, has a row per batch size with both ratios, and a target per ratio
    assert result["correct"] and result["mismatches"] == 0
    assert [row["batch"] for row in result["rows"]] == [100, 500]
    for row in result["rows"]:
        assert row["executor_rps"] > 0 and row["floor_rps"] > 0 and row["naive_rps"] > 0
        assert abs(row["vs_floor"] - row["executor_rps"] / row["floor_rps"]) < 0.01
        assert abs(row["executor_ms_per_batch"] - row["batch"] / row["executor_rps"] * 1000) < 0.01
    whats = [target["what"] for target in result["targets"]]
    assert whats[0].startswith("routes: evaluator output")
    assert whats[-1].startswith("routes: DuckDB output") and result["targets"][-1]["met"]
    assert all(row["duckdb_rps"] > 0 for row in result["rows"])
    assert sum("vs naive router" in what for what in whats) == 2
    assert any("500-record batches vs JSON floor" in what for what in whats)


def test_run_throughput_with_a_wrong_engine_fails_the_correctness_target() -> None:
    # GIVEN an engine that misroutes one record per batch
    # WHEN the section runs with it
    result = run_throughput(SQL, TINY, factory=SwapsOneRecord)
    # THEN the benchmark is not correct, names the records, and marks the correctness target not met
    assert not result["correct"]
    assert result["mismatches"] == 1_000 // 100 + 1_000 // 500
    assert "expected positive, got ['negative']" in result["mismatch_examples"][0]
    assert result["targets"][0]["met"] is False


def test_run_throughput_with_wrong_sql_fails_the_correctness_target() -> None:
    # GIVEN routes that lose every record with an amount in [0, 100)
    wrong = SQL.replace("amount >= 0", "amount >= 100")
    # WHEN the section runs on them
    result = run_throughput(wrong, TINY)
    # THEN the lost records are mismatches
    assert not result["correct"]
    assert "got []" in result["mismatch_examples"][0]


def test_run_bench_with_a_wrong_engine_is_not_ok_and_marks_the_table() -> None:
    # GIVEN/WHEN the benchmark's throughput section runs with a misrouting engine
    results = run_bench(ROOT, BenchSettings(throughput=TINY), ["throughput"], factory=SwapsOneRecord)
    # THEN the run is not ok (the CLI exits 1) and the table marks the correctness target not met
    assert results["ok"] is False
    row = next(line for line in results["markdown"].splitlines() if "evaluator output" in line)
    assert "**not met**" in row


def test_the_orjson_router_routes_like_the_naive_router() -> None:
    # GIVEN benchmark records WHEN both baselines route them
    records = transactions(500)
    # THEN they take the same routes and keep the same fields (orjson writes UTF-8 where json escapes it)
    assert {k: len(v) for k, v in orjson_router(records).items()} == {
        k: len(v) for k, v in naive_router(records).items()
    }
    assert list(map(json.loads, orjson_router(records)["positive"])) == list(
        map(json.loads, naive_router(records)["positive"])
    )
