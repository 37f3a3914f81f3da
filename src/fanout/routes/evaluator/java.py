"""Java's arithmetic and number formatting, as Flink's generated code computes and prints values.

Integer arithmetic wraps (two's complement), doubles print as ``Double.toString`` (``1.0E7``, ``1.0E-4``),
floats as ``Float.toString``, and DECIMALs as ``BigDecimal.toString`` / ``toPlainString``.
"""

from __future__ import annotations

import math
import struct
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from fanout.routes.evaluator import javafloat

# Wide enough for any DECIMAL(38, s) operation before it is rounded to its result type.
CONTEXT = Context(prec=200, rounding=ROUND_HALF_UP, Emax=999999, Emin=-999999)
INTEGER_RANGE = {"TINYINT": 8, "SMALLINT": 16, "INT": 32, "BIGINT": 64}


def wrap(value: int, kind: str) -> int:
    """``value`` as a Java integer of ``kind`` (TINYINT..BIGINT) keeps it: the low bits, two's complement."""
    bits = INTEGER_RANGE[kind]
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def fits(value: int, kind: str) -> bool:
    """Whether ``value`` is in the range of Java integer ``kind``."""
    bits = INTEGER_RANGE[kind]
    return -(1 << (bits - 1)) <= value < (1 << (bits - 1))


def to_float32(value: float) -> float:
    """``value`` rounded to the nearest Java float (overflow gives an infinity)."""
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def double_to_string(value: float, single: bool = False) -> str:
    """``Double.toString(value)`` (``Float.toString`` when ``single``) as Java 11 and 17 print it: 1.0, 1.0E7,
    2.14748365E9 (not always the shortest digits: see :mod:`.javafloat`)."""
    return javafloat.float_to_string(value) if single else javafloat.double_to_string(value)


def big_decimal_to_string(value: Decimal) -> str:
    """``BigDecimal.toString()``: scientific when the exponent is positive or the adjusted exponent < -6, which is
    Python's own rule for a Decimal's string (the same text, checked on 400,000 values of every shape)."""
    return str(value)


def plain_string(value: Decimal) -> str:
    """``BigDecimal.toPlainString()``."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    unscaled = "".join(map(str, digits)) or "0"
    if exponent > 0:
        return ("-" if sign else "") + unscaled + "0" * exponent
    return ("-" if sign else "") + _plain(unscaled, -exponent)


def _plain(unscaled: str, scale: int) -> str:
    if scale == 0:
        return unscaled
    padded = unscaled.rjust(scale + 1, "0")
    return f"{padded[:-scale]}.{padded[-scale:]}"


def strip_trailing_zeros(value: Decimal) -> Decimal:
    """``BigDecimal.stripTrailingZeros()``: 12.50 -> 12.5, 100 -> 1E+2, and any zero -> 0."""
    if value == 0:
        return Decimal(0)
    return value.normalize(CONTEXT)


def stripped_string(value: Decimal) -> str:
    """``value.stripTrailingZeros().toString()``: how Flink's json format writes a DECIMAL."""
    return big_decimal_to_string(strip_trailing_zeros(value))


def round_decimal(value: Decimal, precision: int, scale: int, keep_carry: bool = False) -> Decimal | None:
    """``value`` rounded HALF_UP to ``scale``; None when it needs more than ``precision`` digits (Flink's NULL).

    ``keep_carry``: a value below 10^(p-s) that the rounding carries to 10^(p-s) is kept (Flink's string to
    DECIMAL cast tests the digits before it rounds: 999.995 -> 1000.00 in DECIMAL(5, 2)).
    """
    try:
        rounded = value.quantize(Decimal(1).scaleb(-scale), context=CONTEXT)
    except InvalidOperation:
        return None
    if rounded == 0:
        return abs(rounded)  # BigDecimal has no negative zero
    limit = Decimal(10) ** (precision - scale)
    if abs(rounded) >= limit and not (keep_carry and abs(value) < limit):
        return None
    return rounded
