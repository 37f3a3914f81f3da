"""CAST and TRY_CAST between the supported types, as Flink 1.20 casts (its default, non-legacy cast rules).

A cast that cannot convert raises CastFailure: CAST turns it into a job failure, TRY_CAST into NULL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from fanout.routes.evaluator import java, javautf8
from fanout.routes.evaluator.types import MAX_LENGTH, FType
from fanout.routes.exceptions import UnsupportedConstructError

Converter = Callable[[Any], Any]


class ByteText(str):
    """A valid STRING that Flink holds as bytes only: the result of a function that works on the bytes
    (SUBSTRING), which compares by its bytes with a value that holds no Java String until a function decodes it
    (seen in Flink 1.20.5 and 2.2.1: SUBSTRING(REPLACE(p, 'x', 'y'), 1) = p is FALSE for invalid UTF-8 p, where
    REPLACE(p, 'x', 'y') = p and SUBSTRING(p, 1) = p are TRUE)."""

    decoded: bool = False


class RawText(str):
    """A STRING read from bytes that are not valid UTF-8: the text Java decodes, and the bytes Flink keeps.

    Flink's raw format keeps a STRING column's bytes as they came (BinaryStringData); they are decoded only when
    a function reads the text, and written back unchanged by a CAST to BYTES or a raw sink.
    """

    raw: bytes
    # Flink's BinaryStringData keeps the Java String once a function decoded it (JSON_VALUE, ||, LIKE, ...);
    # UPPER and LOWER then change the String, not the bytes
    decoded: bool = False

    @classmethod
    def of(cls, data: bytes) -> str:
        """``data`` as a STRING value: a plain str when it is valid UTF-8."""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            text = cls(javautf8.decode(data))
            text.raw = data
            return text


def utf8(text: str) -> bytes:
    """The UTF-8 bytes Flink writes for a STRING: a RawText's own bytes, and '?' for an unpaired surrogate."""
    if isinstance(text, RawText):
        return text.raw
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


class CastFailure(ValueError):
    """The value cannot be cast; the message says what Flink would throw. TRY_CAST makes it NULL."""


class UncaughtCastFailure(ValueError):
    """The value cannot be cast, and Flink's TRY_CAST does not catch it either (NaN or an infinity to DECIMAL)."""


# Double.parseDouble's grammar (hexadecimal floats aside): NaN, Infinity, or a decimal with f/d suffix.
_DOUBLE = re.compile(r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_TRUE = {"t", "true", "y", "yes", "1"}
_FALSE = {"f", "false", "n", "no", "0"}


def _trim(text: str) -> str:
    """Java's String.trim(): strips every character up to U+0020 from both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def _fail(value: Any, target: FType) -> CastFailure:
    return CastFailure(f"cannot cast {value!r} to {target}")


def string_to_integer(text: str, target: FType) -> int:
    """``BinaryStringDataUtil.toLong``/``toInt`` of the text trimmed of spaces: digits, then an optional
    fraction that is checked and dropped ('12.7' and '+.5' read, '1e3', tabs and overflow do not)."""
    data = utf8(text).strip(b" ")
    kind = "BIGINT" if target.kind == "BIGINT" else "INT"  # TINYINT and SMALLINT narrow an INT
    value = _integral(data, kind)
    if value is None or not java.fits(value, target.kind):
        raise _fail(text, target)
    return value


def _integral(data: bytes, kind: str) -> int | None:
    if not data:
        return None
    negative = data[:1] == b"-"
    index = 1 if negative or data[:1] == b"+" else 0
    if index and len(data) == 1:
        return None
    whole, _, fraction = data[index:].partition(b".")
    if (whole and not whole.isdigit()) or (fraction and not fraction.isdigit()):
        return None
    value = -int(whole or b"0") if negative else int(whole or b"0")
    return value if java.fits(value, kind) else None


def string_to_decimal(text: str, target: FType) -> Decimal:
    """``BinaryStringDataUtil.toDecimal``; CastFailure (TRY_CAST: NULL) when it cannot read or fit it.

    Up to 18 digits of precision and 18 bytes it is Flink's own byte parser, which stops at the first
    character that is not a digit or a point and skips it unchecked ('x' is 0, '1.5x' is 1.5), counts leading
    zeros as digits, and rounds HALF_UP; beyond, it is ``new BigDecimal(...)`` of the text trimmed of blanks.
    """
    plain = _PLAIN_DECIMAL.fullmatch(text) if target.precision <= 18 and len(text) <= 18 else None
    if plain is not None:  # the common text (-12.50): what _small_decimal computes, without its byte walk
        value = _plain_decimal(plain, target.precision, target.scale)
    else:
        data = utf8(text)
        if target.precision > 18 or len(data) > 18:
            value = _big_decimal(data, target)
        else:
            value = _small_decimal(data, target.precision, target.scale)
    if value is None:
        raise _fail(text, target)
    return value


_BLANKS = b" \n\t"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _big_decimal(data: bytes, target: FType) -> Decimal | None:
    try:
        text = data.decode("utf-8").strip(_BLANKS.decode())
    except UnicodeDecodeError:
        return None
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent beyond any scale: BigDecimal throws NumberFormatException too
        return None
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or not -(2**31) < exponent < 2**31:  # a BigDecimal's scale is a Java int
        return None
    return java.round_decimal(value, target.precision, target.scale)


def _small_decimal(data: bytes, precision: int, scale: int) -> Decimal | None:
    size, index = len(data), 0
    while index < size and data[index] in _BLANKS:
        index += 1
    if index == size:
        return None
    byte = data[index]
    negative = byte == ord("-")
    if negative or byte == ord("+"):
        index += 1
        if index == size:
            return None
    significand, length, point = 0, 0, -1
    while index < size:
        byte = data[index]
        index += 1
        if 48 <= byte <= 57:
            significand, length = significand * 10 + byte - 48, length + 1
        elif byte == ord("."):
            if point >= 0:
                return None
            point = length
        else:
            break
    point = length if point < 0 else point
    exponent = 0
    if byte in b"eE" and index < size:
        exponent, index = _small_exponent(data, index)
        if index < 0:
            return None
    exponent -= length - point
    if any(byte not in _BLANKS for byte in data[index:]):
        return None
    change = exponent + scale
    if length + change > precision or -change > 18:  # DecimalDataUtils.power10 has 10^0..10^18 only
        return None
    if change >= 0:
        significand *= 10**change
    else:
        significand = (significand + 5 * 10 ** (-change - 1)) // 10**-change  # HALF_UP of a non-negative
    return Decimal(-significand if negative else significand).scaleb(-scale)


_PLAIN_DECIMAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]*))?")


def _plain_decimal(plain: re.Match[str], precision: int, scale: int) -> Decimal | None:
    """_small_decimal of a text that is only a sign, digits and a point (``_PLAIN_DECIMAL``)."""
    sign, whole, fraction = plain.groups()
    fraction = fraction or ""
    change = scale - len(fraction)
    if len(whole) + len(fraction) + change > precision or -change > 18:
        return None
    significand = int(whole + fraction)
    if change >= 0:
        significand *= 10**change
    else:
        significand = (significand + 5 * 10 ** (-change - 1)) // 10**-change
    return Decimal(-significand if sign else significand).scaleb(-scale)


def _small_exponent(data: bytes, index: int) -> tuple[int, int]:
    """The exponent after 'e' and the index after it (index -1: a sign with nothing after it)."""
    size = len(data)
    negative = data[index] == ord("-")
    if negative or data[index] == ord("+"):
        index += 1
        if index == size:
            return 0, -1
    digits = 0
    while index < size:
        byte = data[index]
        index += 1
        if 48 <= byte <= 57:
            digits = digits * 10 + byte - 48 if digits < 40 else digits
        else:
            break
    return (-digits if negative else digits), index


def string_to_double(text: str, target: FType) -> float:
    """Double.parseDouble (Float.parseFloat) of the trimmed text."""
    trimmed = _trim(text)
    if not _DOUBLE.fullmatch(trimmed):
        raise _fail(text, target)
    value = float(trimmed.rstrip("fFdD"))
    return java.to_float32(value) if target.kind == "FLOAT" else value


def string_to_boolean(text: str, target: FType) -> bool:
    """Flink's string to BOOLEAN: true/t/yes/y/1 and false/f/no/n/0, any case, not trimmed (' true' fails)."""
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _fail(text, target)


def number_to_string(value: Any, source: FType) -> str:
    """How Flink writes a number as a STRING."""
    if source.kind in ("DOUBLE", "FLOAT"):
        return java.double_to_string(value, single=source.kind == "FLOAT")
    if source.kind == "DECIMAL":
        return java.plain_string(value)
    return str(value)


def _to_integer(value: Any, source: FType, target: FType) -> int:
    if source.kind == "BOOLEAN":
        return 1 if value else 0
    if source.kind in ("DOUBLE", "FLOAT"):
        if math.isnan(value):
            return 0
        if math.isinf(value):
            value = math.copysign(2**63, value)
        # Java's (long) d saturates, then the narrowing cast keeps the low bits.
        as_long = max(-(2**63), min(2**63 - 1, int(value)))
        if target.kind == "BIGINT":
            return as_long
        as_int = max(-(2**31), min(2**31 - 1, int(value)))
        return java.wrap(as_int, target.kind)
    if source.kind == "DECIMAL":
        return java.wrap(int(value), target.kind)
    return java.wrap(value, target.kind)


def _to_decimal(value: Any, source: FType, target: FType) -> Decimal | None:
    if source.kind == "BOOLEAN":
        value = Decimal(1 if value else 0)
    elif source.kind in ("DOUBLE", "FLOAT"):
        if math.isnan(value) or math.isinf(value):
            raise UncaughtCastFailure(
                f"java.lang.NumberFormatException: {java.double_to_string(value)} to {target} (TRY_CAST too)"
            )
        value = Decimal(java.double_to_string(value))  # a FLOAT widens to DOUBLE first: 0.01f is 0.009999999776482582
    else:
        value = Decimal(value)
    return java.round_decimal(value, target.precision, target.scale)


def _to_double(value: Any, source: FType, target: FType) -> float:
    result = (1.0 if value else 0.0) if source.kind == "BOOLEAN" else float(value)
    return java.to_float32(result) if target.kind == "FLOAT" else result


def _fit_length(text: str, target: FType) -> str:
    """CHAR(n) pads with spaces and truncates, VARCHAR(n) truncates (code points). A cut or padded value is
    Flink's bytes from then on: a lone surrogate (REPLACE of '' splits pairs) is '?' there (seen in Flink)."""
    if isinstance(text, RawText):
        from fanout.routes.evaluator import binarystring  # which reads RawText from here

        return binarystring.fit_length(text, target.precision, pad=target.kind == "CHAR")
    if len(text) > target.precision:
        return LONE_SURROGATE.sub("?", text[: target.precision])
    if target.kind == "CHAR" and len(text) < target.precision:
        return LONE_SURROGATE.sub("?", text.ljust(target.precision))
    return text


def _to_string(value: Any, source: FType, target: FType) -> str:
    if source.is_string:
        text = value
    elif source.kind == "BOOLEAN":
        text = "TRUE" if value else "FALSE"
    elif source.is_numeric:
        text = number_to_string(value, source)
    elif source.is_binary:
        text = javautf8.decode(value)  # a Java String: invalid bytes are U+FFFD from here on
    else:
        raise _fail(value, target)
    return _fit_length(text, target)


def _from_string(value: str, target: FType) -> Any:
    if target.is_integer:
        return string_to_integer(value, target)
    if target.kind == "DECIMAL":
        return string_to_decimal(value, target)
    if target.kind in ("DOUBLE", "FLOAT"):
        return string_to_double(value, target)
    if target.kind == "BOOLEAN":
        return string_to_boolean(value, target)
    if target.is_binary:
        data = utf8(value)
        return data if target.kind == "VARBINARY" else data[: target.precision].ljust(target.precision, b"\0")
    raise _fail(value, target)


def _check_castable(source: FType, target: FType) -> None:
    """Raise UnsupportedConstructError for casts Flink's planner rejects (e.g. BYTES to INT)."""
    if source.kind == "NULL" or source == target:
        return
    if source.is_string or target.is_string:
        return
    if (source.is_numeric or source.kind == "BOOLEAN") and (target.is_numeric or target.kind == "BOOLEAN"):
        return
    if source.is_binary and target.is_binary:
        return
    raise UnsupportedConstructError(f"CAST from {source} to {target}", "Flink does not cast between these types")


def converter(source: FType, target: FType) -> Converter:
    """A function casting a non-NULL value of ``source`` to ``target``; it raises CastFailure where Flink fails."""
    _check_castable(source, target)
    if source.kind == "NULL":
        return lambda value: None
    if target.is_string and source.is_binary and target.kind == "VARCHAR" and target.precision == MAX_LENGTH:
        return javautf8.decode  # BYTES to STRING: a Java String, never cut
    if target.is_string:
        return lambda value: _to_string(value, source, target)
    if source.is_string:
        return lambda value: _from_string(value, target)
    if target.is_integer:
        return lambda value: _to_integer(value, source, target)
    if target.kind == "DECIMAL":
        return lambda value: _to_decimal(value, source, target)
    if target.kind in ("DOUBLE", "FLOAT"):
        return lambda value: _to_double(value, source, target)
    if target.kind == "BOOLEAN":
        return lambda value: value != 0
    if target.is_binary:
        if target.kind == "BINARY":
            return lambda value: value[: target.precision].ljust(target.precision, b"\0")
        return lambda value: value[: target.precision]
    raise UnsupportedConstructError(f"CAST from {source} to {target}")
