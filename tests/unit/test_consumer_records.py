"""Each output stream's contract, as its consumer checks it: pure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanout.consumer import Route, check_record
from fanout.consumer.exceptions import PoisonRecordError


def test_positive_accepts_zero_and_keeps_decimal_precision() -> None:
    assert check_record(Route.POSITIVE, b'{"id":1,"username":"a","amount":0.00}')["amount"] == Decimal("0.00")
    assert check_record(Route.POSITIVE, b'{"amount":0.1}')["amount"] == Decimal("0.1")


def test_unicode_usernames_are_decoded_as_utf8() -> None:
    assert check_record(Route.NEGATIVE, '{"username":"李雷","amount":-1}'.encode())["username"] == "李雷"


@pytest.mark.parametrize(
    "route, data",
    [
        (Route.POSITIVE, b'{"amount":-0.01}'),
        (Route.NEGATIVE, b'{"amount":0}'),
        (Route.POSITIVE, b"not json"),
        (Route.POSITIVE, b"[1,2]"),
        (Route.POSITIVE, b'{"amount":"12"}'),
        (Route.POSITIVE, b'{"amount":true}'),
        (Route.NEGATIVE, b'{"username":"x"}'),
        (Route.POSITIVE, b"\xff\xfe"),
    ],
)
def test_records_that_break_the_contract_are_poison(route: Route, data: bytes) -> None:
    with pytest.raises(PoisonRecordError):
        check_record(route, data)


def test_rejected_accepts_any_bytes() -> None:
    assert check_record(Route.REJECTED, b"\xff garbage")["bytes"] == 9
