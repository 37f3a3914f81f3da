"""Fake transactions for the reference scenario, made with Faker: positive, negative and malformed."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from faker import Faker


@dataclass(frozen=True)
class Entry:
    """One record to put: its bytes, its partition key, and its position in the input."""

    index: int
    data: bytes
    partition_key: str


MALFORMED_SHAPES = (
    b"{not json",
    b'{"id": %d, "username": "ghost"}',
    b'{"id": %d, "username": "typo", "amount": "12,50"}',
    b'{"id": %d, "username": "nulls", "amount": null}',
    b"[1, 2, 3]",
)


def fake_transactions(count: int, *, seed: int | None = None, malformed_ratio: float = 0.0) -> Iterator[bytes]:
    """Yield `count` JSON transactions ``{"id", "username", "amount"}``; a share are malformed on purpose.

    Amounts are decimals with two places in [-999.99, 999.99], half of them negative.
    """
    fake = Faker()
    rng = random.Random(seed)
    if seed is not None:
        fake.seed_instance(seed)
    for i in range(1, count + 1):
        if malformed_ratio and rng.random() < malformed_ratio:
            shape = MALFORMED_SHAPES[rng.randrange(len(MALFORMED_SHAPES))]
            yield shape % i if b"%d" in shape else shape
            continue
        cents = rng.randint(1, 99_999) * (-1 if rng.random() < 0.5 else 1)
        amount = Decimal(cents).scaleb(-2)
        yield json.dumps(
            {"id": i, "username": fake.user_name(), "amount": float(amount)}, ensure_ascii=False, separators=(",", ":")
        ).encode()


def partition_key_for(data: bytes, field: str | None) -> str:
    """The record's value of `field` as its key, or a random key when no field is chosen (never one constant)."""
    if not field:
        return uuid.uuid4().hex
    try:
        value = json.loads(data).get(field)
    except (ValueError, AttributeError):
        value = None
    if value is None or value == "":
        return uuid.uuid4().hex
    return str(value)
