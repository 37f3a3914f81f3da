"""The local route executor over the reference script sql/fanout.sql."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanout.routes import RouteExecutor
from tests.support import ROOT

SQL = Path(__file__).resolve().parents[3].joinpath("sql", "fanout.sql").read_text()
POSITIVE, NEGATIVE, REJECTED = "positive_transactions", "negative_transactions", "rejected_transactions"


@pytest.fixture(scope="module")
def executor() -> RouteExecutor:
    return RouteExecutor.from_sql(SQL)


def route_of(executor: RouteExecutor, record: bytes) -> tuple[str, bytes]:
    """The only (sink, payload) a single record is routed to."""
    result = executor.execute([record])
    hits = [(sink, payload) for sink, rows in result.items() for _, payload in rows]
    assert len(hits) == 1, hits
    return hits[0]


def test_executor_reference_batch_routes_every_record_exactly_once(executor: RouteExecutor) -> None:
    # GIVEN a mixed batch of valid, negative and broken records
    batch = [b'{"id":1,"username":"ann","amount":12.5}', b"not json", b'{"id":2,"username":"bo","amount":-3}'] * 400
    # WHEN it is routed (large enough for the Arrow path)
    result = executor.execute(batch)
    # THEN each input index appears in exactly one sink, in input order within each sink
    indices = sorted(i for rows in result.values() for i, _ in rows)
    assert indices == list(range(len(batch)))
    assert [i for i, _ in result[POSITIVE]] == list(range(0, len(batch), 3))
    assert [i for i, _ in result[REJECTED]] == list(range(1, len(batch), 3))
    assert [i for i, _ in result[NEGATIVE]] == list(range(2, len(batch), 3))


def test_executor_small_and_large_batches_same_output(executor: RouteExecutor) -> None:
    # GIVEN the same records routed alone and inside a batch above the small-batch threshold
    records = [b'{"id":1,"username":"z\xc3\xab","amount":1.005}', b"[1]", b'{"id":2,"amount":-0.5}']
    # WHEN both paths run
    small = executor.execute(records)
    large = executor.execute(records * 500)
    # THEN the first records of the large batch match the small batch exactly
    for sink, rows in small.items():
        assert large[sink][: len(rows)] == rows


def test_executor_json_sink_exact_bytes(executor: RouteExecutor) -> None:
    # GIVEN a valid positive record with extra fields
    record = b'{"note":"x","amount":12.5,"username":"ann","id":7}'
    # WHEN it is routed
    sink, payload = route_of(executor, record)
    # THEN the sink gets a compact object in declared column order, DECIMAL as Flink's Jackson writes it
    assert sink == POSITIVE
    assert payload == b'{"id":7,"username":"ann","amount":12.5}'


def test_executor_raw_sink_keeps_original_bytes(executor: RouteExecutor) -> None:
    # GIVEN malformed records, including bytes that are not UTF-8
    records = [b'{"id": 1, "amount": ', b"\xff\xfe\x00garbage", b""]
    # WHEN they are routed
    result = executor.execute(records)
    # THEN the rejected sink gets exactly the original bytes
    assert result[REJECTED] == list(enumerate(records))


@pytest.mark.parametrize(
    "record",
    [
        b'{"id":1,"username":"a"}',
        b'{"id":1,"amount":null}',
        b'{"id":1,"amount":"abc"}',
        b'{"id":1,"amount":true}',
        b'{"id":1,"amount":{}}',
        b'{"id":1,"amount":[1]}',
        b'{"id":1,"amount":',
        b"[1, 2, 3]",
        b'[{"amount": 1}]',
        b'"just a string"',
        b"42",
        b'{"id":1,"amount":10000000000}',
    ],
)
def test_executor_missing_or_invalid_amount_rejected(executor: RouteExecutor, record: bytes) -> None:
    # GIVEN a record without a usable amount (missing, NULL, non-numeric, too large) or not a JSON object
    # WHEN it is routed
    sink, payload = route_of(executor, record)
    # THEN it is rejected, unchanged
    assert (sink, payload) == (REJECTED, record)


def test_executor_negative_zero_is_positive(executor: RouteExecutor) -> None:
    # GIVEN an amount of -0.0
    # WHEN it is routed
    sink, payload = route_of(executor, b'{"id":3,"username":"z","amount":-0.0}')
    # THEN it counts as >= 0 and is written as 0 (Flink strips a DECIMAL's trailing zeros)
    assert (sink, payload) == (POSITIVE, b'{"id":3,"username":"z","amount":0}')


@pytest.mark.parametrize(
    ("amount", "sink", "written"),
    [
        (b"9999999999.99", POSITIVE, b"9999999999.99"),
        (b"-9999999999.99", NEGATIVE, b"-9999999999.99"),
        (b"2.675", POSITIVE, b"2.68"),
        (b"2.665", POSITIVE, b"2.67"),
        (b"-0.005", NEGATIVE, b"-0.01"),
        (b"-0.004", POSITIVE, b"0"),
        (b"1e2", POSITIVE, b"1E+2"),
        (b'"12.5"', POSITIVE, b"12.5"),
    ],
)
def test_executor_decimal_precision_and_half_up_rounding(
    executor: RouteExecutor, amount: bytes, sink: str, written: bytes
) -> None:
    # GIVEN amounts at the DECIMAL(12, 2) limit or needing rounding
    record = b'{"id":1,"username":"u","amount":' + amount + b"}"
    # WHEN routed
    got_sink, payload = route_of(executor, record)
    # THEN they round HALF_UP to two decimals (a rounded -0.004 is 0.00, hence positive)
    assert got_sink == sink
    assert payload == b'{"id":1,"username":"u","amount":' + written + b"}"


def test_executor_unicode_and_escapes_in_output_bytes(executor: RouteExecutor) -> None:
    # GIVEN a username with non-ASCII characters, a quote, a newline and a control character
    record = '{"id":5,"username":"Zoë 😀 \\"q\\"\\n\\u0001","amount":1}'.encode()
    # WHEN routed
    _, payload = route_of(executor, record)
    # THEN non-ASCII stays raw UTF-8 (but beyond U+FFFF as escaped surrogates) and only JSON-mandatory
    # characters are escaped (Jackson style)
    assert payload == '{"id":5,"username":"Zoë \\uD83D\\uDE00 \\"q\\"\\n\\u0001","amount":1}'.encode()


def test_executor_null_and_odd_columns_written_as_json(executor: RouteExecutor) -> None:
    # GIVEN a valid amount with a missing username, a JSON-null id, and an id given as "12.7"
    records = [b'{"id":null,"amount":1}', b'{"id":"12.7","username":7,"amount":-1}']
    # WHEN routed
    result = executor.execute(records)
    # THEN NULL is written as null, and a string id drops its fraction as Flink's cast does
    assert result[POSITIVE] == [(0, b'{"id":null,"username":null,"amount":1}')]
    assert result[NEGATIVE] == [(1, b'{"id":12,"username":"7","amount":-1}')]


def test_executor_empty_batch_returns_every_sink_empty(executor: RouteExecutor) -> None:
    # GIVEN no records WHEN routed THEN every sink is present and empty
    assert executor.execute([]) == {POSITIVE: [], NEGATIVE: [], REJECTED: []}


@pytest.mark.parametrize("size", [999, 1000, 1001, 2500])
@pytest.mark.parametrize("positives", [0, 1, 2])
def test_both_engines_route_a_sink_of_zero_one_or_two_rows_at_any_batch_size(size: int, positives: int) -> None:
    # GIVEN a batch on either side of the 1,000-record switch of the DuckDB engine (Python rows below, Arrow
    # above), where the positive sink gets exactly 0, 1 or 2 records
    sql = (ROOT / "sql" / "fanout.sql").read_text()
    batch = [b'{"id":%d,"username":"u","amount":-1.5}' % i for i in range(size)]
    for n in range(positives):
        batch[size // 2 + n] = b'{"id":%d,"username":"u","amount":2.5}' % (size // 2 + n)
    # WHEN both engines route it
    evaluator = RouteExecutor.from_sql(sql).execute(batch)
    duckdb = RouteExecutor.from_sql(sql, engine="duckdb").execute(batch)
    # THEN they agree, and the positive sink has exactly those rows, in order
    assert evaluator == duckdb
    positive = next(sink for sink in evaluator if "positive" in sink)
    assert [index for index, _ in evaluator[positive]] == [size // 2 + n for n in range(positives)]
