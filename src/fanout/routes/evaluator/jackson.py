"""JSON as Flink's JSON functions read it: Jackson's ``readValue(text, Object.class)`` and Jayway JsonPath.

Jackson reads the FIRST value of a text and ignores what follows it (``{"a":1} tail`` is an object), except
that a root-level number must be followed by whitespace or the end, and ``true``/``false``/``null`` by a
character that cannot continue a Java name. It rejects NaN and Infinity, trailing commas, leading zeros,
numbers longer than 1,000 characters and nesting deeper than 1,000 (Jackson 2.15's read constraints). Of
duplicate keys the LAST value wins. Numbers stay as Java would hold them: ``int`` for Integer, Long and
BigInteger (their range tells which), ``float`` for Double, ``Decimal`` for Flink 2.x's BigDecimal.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fanout.routes.exceptions import UnsupportedConstructError

MAX_DEPTH = 1000
MAX_NUMBER_LENGTH = 1000
_WHITESPACE = " \t\n\r"


class NotJsonError(ValueError):
    """The text is not JSON as Jackson reads it."""


def _number(text: str) -> Any:
    if len(text) > MAX_NUMBER_LENGTH:
        raise NotJsonError("number too long")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise NotJsonError("number too long")
    return float(text)


def _constant(text: str) -> Any:
    raise NotJsonError(f"{text} is not JSON")


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _big_decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_LENGTH:
        raise NotJsonError("number too long")
    if "e" not in text and "E" not in text:  # no exponent: its scale is its fraction's length, under 1,000
        plain = Decimal(text)
        return plain.copy_abs() if plain.is_zero() else plain
    mantissa, _, written = text.lower().partition("e")
    exponent = int(written) if written else 0
    scale = (len(mantissa.split(".", 1)[1]) if "." in mantissa else 0) - exponent
    if not (_INT_MIN <= exponent <= _INT_MAX and _INT_MIN <= scale <= _INT_MAX):
        # BigDecimal reads the exponent as an int and keeps the scale in one: NumberFormatException past them, so
        # Jackson fails the document (seen in Flink 2.2.1: JSON_VALUE of 1e2147483648 or 1.5e-2147483647 is NULL,
        # of 1e2147483647 not; '1e3' || '9223372036854775808' IS JSON VALUE is FALSE)
        raise NotJsonError(f"{text} is out of a BigDecimal's range")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # not reached by what passes the checks above; kept as a named failure
        raise NotJsonError(f"{text} is out of a BigDecimal's range") from exc
    return value.copy_abs() if value.is_zero() else value  # a BigDecimal has no -0.0


_DECODER = json.JSONDecoder(parse_int=_number, parse_float=_float, parse_constant=_constant, strict=True)
# Flink 2.x: floats as BigDecimal (Jackson's USE_BIG_DECIMAL_FOR_FLOATS), kept as written: 1.50, 1E+3
_BIG_DECODER = json.JSONDecoder(parse_int=_number, parse_float=_big_decimal, parse_constant=_constant, strict=True)
_SHORT_DECODER = json.JSONDecoder(parse_constant=_constant, strict=True)  # int() and float() themselves
_SHORT_BIG_DECODER = json.JSONDecoder(parse_float=_big_decimal, parse_constant=_constant, strict=True)


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH (only texts with that many brackets)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth, inside, escaped = 0, False, False
    for char in text:
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse(text: str, big_decimals: bool = False) -> Any:
    """The Java value of ``text``'s first JSON value (floats as Decimal with ``big_decimals``, as Flink 2.x
    reads them); NotJsonError where Jackson fails."""
    start = len(text) - len(text.lstrip(_WHITESPACE))
    if start == len(text):
        raise NotJsonError("no content")
    if _too_deep(text):
        raise NotJsonError("nesting too deep")
    if len(text) <= MAX_NUMBER_LENGTH:  # no number in it can be too long: Python's own int and float readers
        decoder = _SHORT_BIG_DECODER if big_decimals else _SHORT_DECODER
    else:
        decoder = _BIG_DECODER if big_decimals else _DECODER
    try:
        value, end = decoder.raw_decode(text, start)
    except (ValueError, RecursionError) as exc:
        raise NotJsonError(str(exc)) from exc
    following = text[end : end + 1]
    first = text[start]
    if following and (first == "-" or first.isdigit()) and following not in _WHITESPACE:
        raise NotJsonError("a root-level number must be followed by whitespace")
    if following and first in "tfn" and (following.isalnum() or following in "_$"):
        raise NotJsonError("unrecognized token")
    return value


# One step of a JSON path: a member (str) or an array index (int).
Step = str | int
_STEP = re.compile(r"\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\['([^'\\]*)'\]|\[\"([^\"\\]*)\"\]")


def compile_path(path: str) -> tuple[str, tuple[Step, ...]]:
    """``(mode, steps)`` of a SQL/JSON path: ``lax $.a.b[0]`` -> ('lax', ('a', 'b', 0)).

    Members (``.name``, ``['name']``) and non-negative indexes are supported; wildcards, filters, slices,
    negative indexes and recursive descent raise UnsupportedConstructError.
    """
    text = path.strip()
    mode = "lax"
    lowered = text.lower()
    for word in ("lax", "strict"):
        if lowered.startswith(word) and text[len(word) : len(word) + 1].isspace():
            mode, text = word, text[len(word) :].strip()
    if not text.startswith("$"):
        raise UnsupportedConstructError(f"JSON path {path!r}", "a path starts with $")
    steps: list[Step] = []
    position = 1
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise UnsupportedConstructError(
                f"JSON path {path!r}", "only .member, ['member'] and [index] steps are supported"
            )
        name, index, quoted, double = match.groups()
        steps.append(int(index) if index is not None else next(s for s in (name, quoted, double) if s is not None))
        position = match.end()
    return mode, tuple(steps)


def read_path(document: Any, steps: tuple[Step, ...]) -> tuple[bool, Any]:
    """``(found, value)`` at ``steps`` of a parsed document (lax mode: a step that does not apply finds nothing)."""
    value = document
    for step in steps:
        if isinstance(step, str):
            if not isinstance(value, dict) or step not in value:
                return False, None
            value = value[step]
        else:
            if not isinstance(value, list) or step >= len(value):
                return False, None
            value = value[step]
    return True, value
