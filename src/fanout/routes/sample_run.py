"""Run the routes over a file of sample records, as ``fanout sql run`` does before a deploy.

The input is newline-delimited: each line is one record's exact bytes (the ``\\n`` excluded; a ``\\r`` or
blank line is kept as part of / as a record, since Kinesis would carry it). A final newline ends the
last record rather than starting an empty one. Outputs are the bytes the consumers would receive.

Example:
    >>> result = run_records(RouteExecutor.from_sql(sql), split_records(b'{"amount":1}\\noops\\n'))
    >>> result.counts(), result.unrouted
    ({'positive_transactions': 1, 'negative_transactions': 0, 'rejected_transactions': 1}, [])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fanout.routes.exceptions import RouteExecutionError
from fanout.routes.executor import RouteExecutor, RouteRows

CHUNK = 5_000


@dataclass
class RunResult:
    """For each sink, (record index, payload) in input order; and the records no route took."""

    records: int
    routed: RouteRows = field(default_factory=dict)
    unrouted: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Payloads per sink table, in script order."""
        return {sink: len(rows) for sink, rows in self.routed.items()}

    def duplicated(self) -> list[int]:
        """Indexes of records that more than one route took."""
        seen: dict[int, int] = {}
        for rows in self.routed.values():
            for index, _ in rows:
                seen[index] = seen.get(index, 0) + 1
        return sorted(index for index, count in seen.items() if count > 1)


def split_records(data: bytes) -> list[bytes]:
    """One record per line, exact bytes; a trailing newline does not make an empty last record."""
    if not data:
        return []
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") else lines


def run_records(executor: RouteExecutor, records: Sequence[bytes], chunk: int = CHUNK) -> RunResult:
    """Route ``records`` in chunks of ``chunk``; indexes are positions in ``records``."""
    result = RunResult(len(records), {sink: [] for sink in executor.sinks})
    taken = bytearray(len(records))
    for start in range(0, len(records), chunk):
        rows = executor.execute(records[start : start + chunk])
        for sink, hits in rows.items():
            for index, payload in hits:
                result.routed[sink].append((start + index, payload))
                taken[start + index] = 1
    result.unrouted = [index for index, flag in enumerate(taken) if not flag]
    return result


def write_outputs(result: RunResult, out_dir: Path) -> dict[str, Path]:
    """Write ``<out_dir>/<table>.ndjson`` per sink (empty when nothing was routed), one payload per line."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for sink, rows in result.routed.items():
        bad = next((index for index, payload in rows if b"\n" in payload), None)
        if bad is not None:
            raise RouteExecutionError(f"record {bad + 1} becomes a {sink} payload with a newline: not valid ndjson")
        path = out_dir / f"{sink}.ndjson"
        path.write_bytes(b"".join(payload + b"\n" for _, payload in rows))
        written[sink] = path
    return written
