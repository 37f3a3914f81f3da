"""`fanout sql run` domain: records split exactly, routed in chunks, written one payload a line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanout.routes import RouteExecutionError, RouteExecutor
from fanout.routes.sample_run import RunResult, run_records, split_records, write_outputs
from tests.support import ROOT

SQL = (ROOT / "sql" / "fanout.sql").read_text()


@pytest.mark.parametrize(
    ("data", "records"),
    [
        (b"", []),
        (b"a\nb\n", [b"a", b"b"]),
        (b"a\nb", [b"a", b"b"]),
        (b"a\r\n\nb\n", [b"a\r", b"", b"b"]),  # \r and blank lines are record bytes, as Kinesis would carry them
    ],
)
def test_split_records_keeps_exact_bytes(data: bytes, records: list[bytes]) -> None:
    # GIVEN file content WHEN split THEN one record per line, the final newline ending the last one
    assert split_records(data) == records


def test_run_records_chunks_keep_input_indexes() -> None:
    # GIVEN seven records routed in chunks of three
    records = [b'{"amount":%d}' % n for n in (1, -1, 2, -2, 3, -3)] + [b"x"]
    # WHEN run
    result = run_records(RouteExecutor.from_sql(SQL), records, chunk=3)
    # THEN indexes refer to the whole input, in order, and nothing is unrouted or duplicated
    assert [i for i, _ in result.routed["positive_transactions"]] == [0, 2, 4]
    assert [i for i, _ in result.routed["negative_transactions"]] == [1, 3, 5]
    assert result.routed["rejected_transactions"] == [(6, b"x")]
    assert result.unrouted == [] and result.duplicated() == []


def test_write_outputs_payload_with_newline_raises_named_error(tmp_path: Path) -> None:
    # GIVEN a payload that contains a newline (not representable as one ndjson line)
    result = RunResult(1, {"out": [(0, b"a\nb")]})
    # WHEN written THEN a named error, and no silent split into two lines
    with pytest.raises(RouteExecutionError, match="record 1 becomes a out payload with a newline"):
        write_outputs(result, tmp_path)
