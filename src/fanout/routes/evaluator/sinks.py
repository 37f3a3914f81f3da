"""What an INSERT writes: the implicit cast to each sink column's type, and the bytes of Flink's json and raw formats.

The json format (JsonRowDataSerializationSchema, Jackson) writes a compact object of the sink's columns in
declared order: NULL as ``null``, DECIMAL as ``BigDecimal.stripTrailingZeros().toString()`` (``12.5``,
``1E+2``), DOUBLE and FLOAT as ``Double.toString``/``Float.toString`` with NaN and the infinities quoted,
BYTES as base64, strings with Jackson's escapes. The raw format writes one STRING column as UTF-8 or one
BYTES column unchanged.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from fanout.routes.evaluator import java
from fanout.routes.evaluator import types as t
from fanout.routes.evaluator.casts import converter, utf8
from fanout.routes.exceptions import UnsupportedConstructError
from fanout.routes.formats import jackson_string

Encoder = Callable[[Any], str]


def assignable(source: t.FType, target: t.FType, where: str) -> Callable[[Any], Any]:
    """The conversion an INSERT applies from ``source`` to sink column type ``target`` (Flink's implicit casts).

    Raises UnsupportedConstructError where Flink rejects the INSERT (a narrowing or a cross-family value).
    """
    if source.kind == "NULL" or source == target:
        return lambda value: value
    if (source.is_string and target.kind == "VARCHAR") or (source.is_binary and target.kind == "VARBINARY"):
        if target.precision == t.MAX_LENGTH:
            return lambda value: value
        length = target.precision  # Flink's sink cuts a longer value to the column's length
        if target.kind == "VARBINARY":
            return lambda value: value if len(value) <= length else value[:length]
        cut = converter(source, target)  # the CAST's cut (a lone surrogate becomes '?' there)
        return lambda value: value if len(value) <= length else cut(value)
    if source.is_numeric and target.is_numeric:
        order = [*t.INTEGERS, "DECIMAL", "FLOAT", "DOUBLE"]
        if order.index(source.kind) <= order.index(target.kind):
            if target.kind == "DECIMAL":
                return lambda value: java.round_decimal(Decimal(value), target.precision, target.scale)
            if target.kind in t.APPROXIMATE:
                return lambda value: java.to_float32(float(value)) if target.kind == "FLOAT" else float(value)
            return lambda value: value
    raise UnsupportedConstructError(
        f"{where}: a {source} value for a {target} column",
        "Flink rejects the INSERT (no implicit cast); CAST the value to the column's type",
    )


def _json_number(text: str) -> str:
    return text if text not in ("NaN", "Infinity", "-Infinity") else f'"{text}"'


def json_encoder(ftype: t.FType) -> Encoder:
    """How Flink's json format writes a non-NULL value of ``ftype``."""
    if ftype.is_string:
        return jackson_string
    if ftype.kind == "BOOLEAN":
        return lambda value: "true" if value else "false"
    if ftype.is_integer:
        return str
    if ftype.kind in t.APPROXIMATE:
        single = ftype.kind == "FLOAT"
        return lambda value: _json_number(java.double_to_string(value, single=single))
    if ftype.kind == "DECIMAL":
        return java.stripped_string
    if ftype.is_binary:
        return lambda value: '"' + base64.b64encode(value).decode("ascii") + '"'
    raise UnsupportedConstructError(f"json sink column type {ftype}")


def json_keys(names: Sequence[str]) -> list[str]:
    """What the json format writes before each column's value: ``{"a":``, ``,"b":``."""
    return [("{" if position == 0 else ",") + jackson_string(name) + ":" for position, name in enumerate(names)]


def json_row(names: Sequence[str], encoders: Sequence[Encoder]) -> Callable[[Sequence[Any]], bytes]:
    """A function writing one row (values in column order) as Flink's json format does."""
    pairs = list(zip(json_keys(names), encoders, strict=True))

    def write(values: Sequence[Any]) -> bytes:
        parts = []
        for (key, encode), value in zip(pairs, values, strict=True):
            parts.append(key)
            parts.append("null" if value is None else encode(value))
        parts.append("}")
        return "".join(parts).encode("utf-8", "replace")

    return write


def raw_value(ftype: t.FType) -> Callable[[Any], bytes]:
    """How Flink's raw format writes the (non-NULL) value of its one column."""
    if ftype.is_binary:
        return lambda value: value
    return utf8
