"""What each output stream promises its consumer, and the per-batch summary the consumers log."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from fanout.consumer.exceptions import PoisonRecordError


class Route(StrEnum):
    """The output streams of the reference scenario."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    REJECTED = "rejected"


def _transaction(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonRecordError(f"not a UTF-8 JSON document: {exc}") from exc
    if not isinstance(value, dict):
        raise PoisonRecordError(f"expected a JSON object, got {type(value).__name__}")
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise PoisonRecordError(f"amount must be a number, got {amount!r}")
    try:
        value["amount"] = Decimal(amount)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int|Decimal) does not fail
        raise PoisonRecordError(f"amount is not a decimal: {amount!r}") from exc
    return value


def check_record(route: Route, data: bytes) -> dict[str, Any]:
    """Decode one record and check it belongs on `route`; raises PoisonRecordError otherwise.

    >>> check_record(Route.POSITIVE, b'{"id": 1, "username": "ana", "amount": 12.5}')["amount"]
    Decimal('12.5')
    """
    if route is Route.REJECTED:
        return {"bytes": len(data), "preview": data[:120].decode("utf-8", errors="replace")}
    txn = _transaction(data)
    amount: Decimal = txn["amount"]
    if route is Route.POSITIVE and amount < 0:
        raise PoisonRecordError(f"negative amount {amount} on the positive stream")
    if route is Route.NEGATIVE and amount >= 0:
        raise PoisonRecordError(f"non-negative amount {amount} on the negative stream")
    return txn


def rejection_reason(data: bytes) -> str:
    """Why the reference routes reject ``data`` (WHERE NOT is_object OR amount IS NULL), in words.

    >>> rejection_reason(b'[1, 2]')
    'a JSON array, not an object'
    """
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at character {exc.pos})"
    if not isinstance(value, dict):
        kinds = {list: "array", str: "string", bool: "boolean", type(None): "null"}
        return f"a JSON {kinds.get(type(value), 'number')}, not an object"
    if "amount" not in value:
        return "no amount"
    return f"amount {json.dumps(value['amount'])[:40]} is not a DECIMAL(12, 2)"


@dataclass
class BatchSummary:
    """What a consumer logs for every batch."""

    route: Route
    records: int = 0
    failed: int = 0
    total_amount: Decimal = Decimal(0)
    shards: set[str] = field(default_factory=set)
    first_sequence: str | None = None
    last_sequence: str | None = None

    def add(self, result: dict[str, Any], *, shard: str, sequence: str) -> None:
        """Count one record that was processed."""
        self.records += 1
        self.shards.add(shard)
        self.first_sequence = self.first_sequence or sequence
        self.last_sequence = sequence
        if "amount" in result:
            self.total_amount += result["amount"]

    def as_log(self) -> dict[str, Any]:
        """A JSON-friendly view for the structured logger."""
        return {
            "route": self.route.value,
            "records": self.records + self.failed,
            "succeeded": self.records,
            "failed": self.failed,
            "totalAmount": str(self.total_amount),
            "shards": sorted(self.shards),
            "firstSequence": self.first_sequence,
            "lastSequence": self.last_sequence,
        }
