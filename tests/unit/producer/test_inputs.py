"""Producer inputs and outputs: NDJSON lines, encoding, partition keys, pacing, the undelivered file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from fanout.producer import Entry, Pacer, encode, ndjson_records, partition_key_for, to_entries, write_undelivered
from fanout.producer.exceptions import RecordRejectedError
from fanout.producer.undelivered import reasons_path


def test_ndjson_records_keep_bytes_and_line_numbers_and_skip_blank_lines() -> None:
    stream = io.BytesIO(b'{"a": 1}\r\n  \n\xff raw\n{"b": 2}')
    assert list(ndjson_records(stream)) == [(0, b'{"a": 1}'), (2, b"\xff raw"), (3, b'{"b": 2}')]


@pytest.mark.parametrize("value", [{1, 2}, {"amount": float("nan")}, object(), "\ud800"])
def test_encode_rejects_what_json_cannot_hold(value: object) -> None:
    with pytest.raises(RecordRejectedError):
        encode(value)


def test_to_entries_marks_problems_and_keys_by_field() -> None:
    records = [(0, {"user": "ana", "n": 1}), (1, {1, 2}), (2, {"user": "x" * 300}), (3, b"not json"), (4, {"n": 2})]
    got = list(to_entries(records, "user"))
    assert got[0] == Entry(0, b'{"user":"ana","n":1}', "ana")
    assert got[1].problem and "JSON" in got[1].problem
    assert got[2].problem and "256-character" in got[2].problem
    assert got[3].problem is None and len(got[3].partition_key) == 32  # no field: a random key
    assert got[3].partition_key != got[4].partition_key


def test_partition_key_is_random_without_a_field_and_stable_with_one() -> None:
    data = b'{"id": 7, "user": "bo"}'
    assert partition_key_for(data, None) != partition_key_for(data, None)
    assert partition_key_for(data, "user") == partition_key_for(data, "user") == "bo"
    assert partition_key_for(data, "id") == "7"


def test_pacer_spaces_requests_to_the_rate_without_per_record_sleeps() -> None:
    # GIVEN a pacer at 100 records/s on a fake clock
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pacer = Pacer(100.0, clock=lambda: now[0], sleep=sleep)
    size = pacer.batch_size(500)
    # WHEN 5 requests of the batch size go
    for _ in range(5):
        pacer.wait(size)
    # THEN requests of 20 went every 0.2 s: one sleep per request, none for the first
    assert size == 20
    assert sleeps == pytest.approx([0.2] * 4)
    assert Pacer(None).batch_size(500) == 500


def test_pacer_does_not_save_up_idle_time_for_a_burst() -> None:
    now = [0.0]
    sleeps: list[float] = []
    pacer = Pacer(10.0, clock=lambda: now[0], sleep=sleeps.append)
    pacer.wait(2)
    now[0] = 100.0
    pacer.wait(2)
    pacer.wait(2)
    assert sleeps == pytest.approx([0.2])


def test_write_undelivered_keeps_records_replayable_with_reasons_alongside(tmp_path: Path) -> None:
    undelivered = [(Entry(4, b'{\n"a": 1}', "k"), "too big"), (Entry(9, b"raw \xff", "j"), "throttled")]
    path, reasons = write_undelivered(undelivered, tmp_path / "left.ndjson")
    assert reasons == reasons_path(path) == tmp_path / "left.reasons.jsonl"
    assert list(ndjson_records(path.open("rb"))) == [(0, b'{ "a": 1}'), (1, b"raw \xff")]
    rows = [json.loads(line) for line in reasons.read_text().splitlines()]
    assert [(r["record"], r["partition_key"]) for r in rows] == [(5, "k"), (10, "j")]
    assert rows[0]["reason"].startswith("too big") and "spaces" in rows[0]["reason"]
