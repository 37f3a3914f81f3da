"""Benchmark records: realistic ~100-byte JSON transactions, and the Decimal-based reference routing.

The reference is written from the contract in ``sql/fanout.sql``, independently of the route executor, so
that a fast but wrong engine fails the benchmark.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from fanout.producer.records import MALFORMED_SHAPES

ROUTES = ("positive", "negative", "rejected")
SINK_ROUTES = {
    "positive_transactions": "positive",
    "negative_transactions": "negative",
    "rejected_transactions": "rejected",
}
"""The reference script's sink tables and the route each one is."""

_USERS = ("alice.martin", "bob_nguyen", "chen.wei", "dolores", "émile.zola", "farah.k", "gunnar", "hiroko_t")
_MERCHANTS = ("grocer-041", "fuel-stop-7", "cafe-du-port", "books-and-co", "pharma-12", "rail-pass")
_LIMIT = Decimal(10) ** 10  # DECIMAL(12, 2) holds ten integer digits


def transactions(count: int, *, seed: int = 7, malformed_ratio: float = 0.05, start_id: int = 1) -> list[bytes]:
    """``count`` JSON transactions of about 100 bytes; ``malformed_ratio`` of them unroutable, the rest
    split evenly between positive and negative amounts.

    Example:
        >>> transactions(1)[0]
        b'{"id":1,"username":"gunnar","amount":197.73,"merchant":"rail-pass","ts":"2026-11-25T01:04:52Z"}'
    """
    rng = random.Random(seed)
    out: list[bytes] = []
    for i in range(start_id, start_id + count):
        if rng.random() < malformed_ratio:
            out.append(MALFORMED_SHAPES[rng.randrange(len(MALFORMED_SHAPES))] % i)
            continue
        cents = rng.randint(1, 99_999) * (1 if i % 2 else -1)
        record = {
            "id": i,
            "username": rng.choice(_USERS),
            "amount": float(Decimal(cents).scaleb(-2)),
            "merchant": rng.choice(_MERCHANTS),
            "ts": f"2026-11-25T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
        }
        out.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
    return out


def _amount(value: object) -> Decimal | None:
    """What ``TRY_CAST(JSON_VALUE(doc, '$.amount') AS DECIMAL(12, 2))`` yields, or None (NULL)."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)  # type: ignore[arg-type]
        amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and abs(amount) < _LIMIT else None


def reference_route(record: bytes) -> str:
    """The route ``sql/fanout.sql`` promises for ``record``: positive, negative or rejected."""
    try:
        doc = json.loads(record, parse_float=Decimal, parse_int=Decimal)
    except ValueError:
        return "rejected"
    if not isinstance(doc, dict):
        return "rejected"
    amount = _amount(doc.get("amount"))
    if amount is None:
        return "rejected"
    return "positive" if amount >= 0 else "negative"


def reference_assignment(records: Sequence[bytes]) -> dict[str, list[int]]:
    """For each route, the indexes of ``records`` the reference sends there, in input order."""
    out: dict[str, list[int]] = {route: [] for route in ROUTES}
    for index, record in enumerate(records):
        out[reference_route(record)].append(index)
    return out
