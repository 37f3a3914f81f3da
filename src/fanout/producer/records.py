"""Fake transactions for the reference scenario, made with Faker: positive, negative and malformed."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import orjson
from faker import Faker

MALFORMED_SHAPES = (
    b"{not json %d",
    b'{"id": %d, "username": "ghost"}',
    b'{"id": %d, "username": "typo", "amount": "12,50"}',
    b'{"id": %d, "username": "nulls", "amount": null}',
    b"[%d, 2, 3]",
)
"""Malformed records: each carries its index, so every record in a run is unique."""
USERNAME_POOL = 1000
"""Distinct fake user names per run (also the distinct keys of ``--partition-key username``)."""


def labelled_transactions(
    count: int, *, seed: int | None = None, malformed_ratio: float = 0.0, start_id: int = 1
) -> Iterator[tuple[bytes, str]]:
    """Yield ``(record, route)`` pairs; the route ("positive", "negative", "rejected") is what the
    reference routes must do with it, known from how the record was made.
    """
    fake = Faker()
    rng = random.Random(seed)
    if seed is not None:
        fake.seed_instance(seed)
    # Faker takes ~0.1 ms per name: draw from a pool made once, so it stays off the per-record path.
    usernames = [fake.user_name() for _ in range(max(1, min(count, USERNAME_POOL)))]
    for i in range(start_id, start_id + count):
        if malformed_ratio and rng.random() < malformed_ratio:
            yield MALFORMED_SHAPES[rng.randrange(len(MALFORMED_SHAPES))] % i, "rejected"
            continue
        cents = rng.randint(1, 99_999) * (-1 if rng.random() < 0.5 else 1)
        record = {"id": i, "username": usernames[rng.randrange(len(usernames))], "amount": cents / 100}
        yield orjson.dumps(record), ("positive" if cents > 0 else "negative")


def fake_transactions(count: int, *, seed: int | None = None, malformed_ratio: float = 0.0) -> Iterator[bytes]:
    """Yield `count` JSON transactions ``{"id", "username", "amount"}``; a share are malformed on purpose.

    Amounts are decimals with two places in [-999.99, 999.99], half of them negative.
    """
    for record, _ in labelled_transactions(count, seed=seed, malformed_ratio=malformed_ratio):
        yield record


def partition_key_for(data: bytes, field: str | None) -> str:
    """The record's value of `field` as its key, or a random key when no field is chosen (never one constant).

    A record that is not a JSON object, or lacks the field, gets a random key too.
    """
    if not field:
        return uuid.uuid4().hex
    try:
        value = orjson.loads(data).get(field)
    except (orjson.JSONDecodeError, AttributeError):
        value = None
    if value is None or value == "":
        return uuid.uuid4().hex
    return value if isinstance(value, str) else orjson.dumps(value).decode()
