"""The benchmark's outputs: machine info, the Markdown tables, the results JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from fanout.bench.exceptions import BenchOutputError
from fanout.ledger import LEGS

_MARK = {True: "met", False: "**not met**", None: "n/a"}


def revision(root: Path) -> str | None:
    """The checkout's short commit, with ``+dirty`` when it has uncommitted changes (None outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def machine() -> dict[str, Any]:
    """CPU model, cores, Python and the engines' versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in ("duckdb", "pyarrow", "orjson", "moto"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        **versions,
    }


def _leg(stages: dict[str, Any], leg: str) -> str:
    """``p50 / p99`` of one leg, or a dash where no record was stamped at both ends."""
    got = stages.get(leg)
    return f"{got['p50_ms']:g} / {got['p99_ms']:g}" if got else "-"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    rule = "|".join("---" if i == 0 else "---:" for i in range(len(header)))
    lines = ["| " + " | ".join(header) + " |", f"|{rule}|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def markdown(results: dict[str, Any]) -> str:
    """Every target (met or not) and the measured numbers, as Markdown."""
    m = results["machine"]
    out = [
        f"Measured {results['date']} at commit {results.get('revision')} on {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']}, duckdb {m['duckdb']}, pyarrow {m['pyarrow']}, orjson {m['orjson']} "
        f"({results['mode']} run, {results['seconds']} s).",
        "",
    ]
    targets = [t for section in results["sections"].values() for t in section.get("targets", [])]
    out += _table(
        ["target", "measured", "goal", "status"],
        [[t["what"], t["measured"], t["goal"], _MARK[t["met"]]] for t in targets],
    )
    sections = results["sections"]
    if "throughput" in sections:
        rows = sections["throughput"]["rows"]
        out += [
            "",
            "Route evaluator (1 thread) vs the JSON floor (orjson loop) and the naive router; the DuckDB executor and "
            "the orjson router (the naive router on orjson, with no Flink semantics: the ceiling of a Python router) "
            "for comparison:",
            "",
        ]
        out += _table(
            [
                "batch",
                "evaluator rec/s",
                "ms/batch",
                "JSON floor rec/s",
                "naive rec/s",
                "x floor",
                "x naive",
                "DuckDB rec/s",
                "DuckDB x floor",
                "orjson router x floor",
                "orjson router x naive",
            ],
            [
                [
                    f"{r['batch']:,}",
                    f"{r['executor_rps']:,}",
                    r["executor_ms_per_batch"],
                    f"{r['floor_rps']:,}",
                    f"{r['naive_rps']:,}",
                    f"{r['vs_floor']:.2f}",
                    f"{r['vs_naive']:.2f}",
                    f"{r['duckdb_rps']:,}" if "duckdb_rps" in r else "-",
                    f"{r['duckdb_vs_floor']:.2f}" if "duckdb_vs_floor" in r else "-",
                    f"{r['orjson_router_vs_floor']:.2f}",
                    f"{r['orjson_router_vs_naive']:.2f}",
                ]
                for r in rows
            ],
        )
        router = sections["throughput"].get("router") or {}
        if router:
            out += ["", "The Lambda engine (the router runs this evaluator): CPU and Lambda cost of full batches:", ""]
            out += _table(
                ["batch", "CPU ms per 1,000 records", "USD per million, 128 MB", "USD per million, 256 MB"],
                [
                    [f"{int(b):,}", f["cpu_ms_per_1000"], f["usd_per_million_128mb"], f["usd_per_million_256mb"]]
                    for b, f in router.items()
                ],
            )
    if "latency" in sections:
        lat = sections["latency"]
        window = lat["settings"]["batching_window"]
        out += [
            "",
            f"End to end, put → consumer handler, offline runtime (a fresh local cloud per rate; consumers' "
            f"batching window {window} s, the template's default is 1 s):",
            "",
        ]
        out += _table(
            [
                "engine",
                "target rate/s",
                "achieved/s",
                "records",
                "undelivered after drain",
                "p50 ms",
                "p99 ms",
                "max ms",
            ],
            [
                [
                    "router Lambda" if r.get("engine") == "lambda" else "Flink",
                    f"{r['rate']:,}",
                    f"{r['achieved_rps']:,}",
                    f"{r['put']:,}",
                    r["lost"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["max_ms"],
                ]
                for r in [*lat["rates"], *lat.get("router_rates", [])]
            ],
        )
        staged = [r for r in [*lat["rates"], *lat.get("router_rates", [])] if r.get("stages")]
        if staged:
            out += [
                "",
                "Where the time goes: p50 / p99 ms of each leg of a record's trip. put: the producer's PutRecords "
                "call; stored: in the input stream (its arrival timestamp); read: by the job (the router's mapping "
                "with the Lambda engine); routed: the batch routed (the router invoked); written: in the output "
                "stream (its arrival timestamp); mapping read: by the consumer's event source mapping; handler: "
                "the consumer invoked.",
                "",
            ]
            legs = [f"{a}_to_{b}" for a, b in LEGS]
            out += _table(
                ["engine", "target rate/s", *(leg.replace("_to_", " → ").replace("_", " ") for leg in legs)],
                [
                    [
                        "router Lambda" if r.get("engine") == "lambda" else "Flink",
                        f"{r['rate']:,}",
                        *(_leg(r["stages"], leg) for leg in legs),
                    ]
                    for r in staged
                ],
            )
        errors = sorted({e for r in lat["rates"] for e in r["job_errors"]})
        if errors:
            out += ["", "Local Flink job stopped by: " + "; ".join(e[:160] for e in errors)]
        p = lat["producer"]
        out += [
            "",
            f"Highest rate sustained (reached, and every record delivered within 5 s of the last put): "
            f"{lat['highest_clean_rate']} records/s. Producer: "
            f"{p['records']:,} records in {p['calls']} PutRecords calls ({p['records_per_call_mean']} per call), "
            f"{p['records_per_second']:,} records/s = {p['vs_shard_record_limit']}x the record limit and "
            f"{p['vs_shard_byte_limit']}x the byte limit of {p['shards']} shard(s) (moto does not throttle).",
        ]
    if "lifecycle" in sections:
        lc = sections["lifecycle"]
        out += [
            "",
            f"Lifecycle: {lc['states_entered']} states entered offline ({lc['fixed_states']} fixed, "
            f"poll loops {lc['poll_loops']}); at AWS timings:",
            "",
        ]
        out += _table(
            ["poll interval s", "poll loops", "transitions", "cost per window"],
            [
                [f"{x['poll_seconds']:g}", x["polls"], x["transitions"], f"${x['cost_usd']:.6f}"]
                for x in lc["aws_model_by_poll"]
            ],
        )
    if "footprint" in sections:
        fp = sections["footprint"]
        out += ["", f"Lambda footprint (sam build: {fp['sam_build']}):", ""]
        out += _table(
            ["function", "code zip KiB", "cold import ms (median)"],
            [
                [
                    f["function"],
                    "-" if f["code_zip_bytes"] is None else round(f["code_zip_bytes"] / 1024, 1),
                    f["import_ms_median"],
                ]
                for f in fp["functions"]
            ],
        )
        if "domain_layer" in fp:
            full, slim = fp["domain_layer"], fp["slim_layer"]
            mib = 2**20
            out += [
                "",
                f"Domain layer: {full['zip_bytes'] / mib:.1f} MiB zip ({full['unzipped_bytes'] / mib:.1f} MiB "
                f"unzipped) bundled; {slim['zip_bytes'] / mib:.1f} MiB zip ({slim['unzipped_bytes'] / mib:.1f} MiB)"
                " with the public Powertools layer and the runtime's boto3.",
            ]
    return "\n".join(out) + "\n"


def write_json(results: dict[str, Any], folder: Path) -> Path:
    """Write ``<folder>/<date>.json`` and return its path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{results['date']}.json"
        path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BenchOutputError(f"cannot write the results into {folder}: {exc}") from exc
    return path


def write_markdown(results: dict[str, Any], path: Path, suffix: str = "") -> Path:
    """Write the tables and the two charts' links as ``path`` (``LATEST.md``)."""
    charts = (
        f"![throughput by batch size](throughput-by-batch{suffix}.png)\n\n![latency](latency-histogram{suffix}.png)\n"
    )
    text = (
        f"# Benchmark results ({results['date']})\n\nMade by `fanout bench`; raw numbers in "
        f"`{results['date']}{suffix}.json`.\n\n{results['markdown']}\n{charts}"
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BenchOutputError(f"cannot write {path}: {exc}") from exc
    return path
