"""Sink formats: DuckDB expressions that produce the exact bytes Flink's ``json`` and ``raw`` formats write.

Flink's json format (JsonRowDataSerializationSchema, Jackson) writes a compact object with the sink's
columns in declared order, NULL as ``null``, DECIMAL as Jackson writes a BigDecimal stripped of trailing
zeros (``12.50`` -> ``12.5``, ``0.00`` -> ``0``, ``100.00`` -> ``1E+2``, ``1234567890`` -> ``1.23456789E+9``),
strings as UTF-8 with only ``"``, ``\\`` and control characters escaped (``\\u001F`` upper-case hex) and
characters beyond U+FFFF as two escaped UTF-16 surrogates (``\\uD83D\\uDCB8``), and BYTES as base64. The raw
format writes a single STRING column as UTF-8, or a BYTES column unchanged. (Proven against Flink 1.20 by
``tests/parity``.)
"""

from __future__ import annotations

import re

from sqlglot import exp

from fanout.routes.exceptions import UnsupportedConstructError, UnsupportedFormatError
from fanout.routes.parser import TableDef
from fanout.routes.translate import BINARY_TYPES, INTEGER_TYPES, TEXT_TYPES, DType, template, truncate

SUPPORTED_FORMATS = ("json", "raw")
# Above this scale Jackson writes small BigDecimals in scientific notation (1E-7), which we do not mimic.
MAX_JSON_DECIMAL_SCALE = 6
# BigDecimal.stripTrailingZeros().toString() of a DECIMAL ``__d`` written plainly as ``__t``: the fraction
# loses its trailing zeros (12.50 -> 12.5, 0.00 -> 0), and a non-zero multiple of ten turns scientific
# (-1200 -> -1.2E+3); only those rare rows take the string work of the second branch, on digits ``__i``.
_STRIPPED = "CASE WHEN __d % 10 = 0 AND __d <> 0 THEN __sci ELSE __t END"
_SCIENTIFIC = """(CASE WHEN __d < 0 THEN '-' ELSE '' END)
    || left(rtrim(ltrim(__i, '-'), '0'), 1)
    || (CASE WHEN length(rtrim(ltrim(__i, '-'), '0')) > 1
        THEN '.' || substr(rtrim(ltrim(__i, '-'), '0'), 2) ELSE '' END)
    || 'E+' || CAST(length(ltrim(__i, '-')) - 1 AS VARCHAR)"""
# Jackson escapes each UTF-16 surrogate of a character beyond U+FFFF; only such rows take the list path.
_SURROGATES = """CASE WHEN strlen(__t) <> length(__t) AND regexp_matches(__t, '[\\x{10000}-\\x{10FFFF}]')
THEN array_to_string(list_transform(string_split(__t, ''), c -> CASE WHEN unicode(c) > 65535
    THEN printf('\\u%04X\\u%04X', 55232 + (unicode(c) >> 10), 56320 + (unicode(c) & 1023)) ELSE c END), '')
ELSE __t END"""

# The same, its test on the text ``__x`` itself rather than on its JSON string ``__t``: they hold the same characters
# beyond ASCII, and ``__t`` is then computed once a row.
_SURROGATES_OF_TEXT = _SURROGATES.replace(
    "strlen(__t) <> length(__t) AND regexp_matches(__t,", "strlen(__x) <> length(__x) AND regexp_matches(__x,", 1
)


def _stripped_fraction(number: exp.Column, precision: int, scale: int) -> exp.Expr:
    """The DECIMAL ``number`` (of ``scale`` > 0) written plainly without trailing fraction zeros (12.50 -> 12.5,
    0.00 -> 0): cast to the smallest scale that keeps its value, whose plain text has no trailing zeros.

    (rtrim(rtrim(text, '0'), '.') writes the same, at six times the cost per row. Only for 0 < scale < precision
    and precision + 1 + scale <= 38: DuckDB writes DECIMAL(s, s) without the leading 0 (.50), and compares the
    narrowed value in a DECIMAL(precision + 1 + scale, scale).)
    """
    ifs = []
    for kept in range(scale):
        narrowed = exp.TryCast(this=number.copy(), to=exp.DataType.build(f"DECIMAL({precision + 1}, {kept})"))
        same = exp.EQ(this=narrowed, expression=number.copy())
        ifs.append(exp.If(this=same, true=exp.Cast(this=narrowed.copy(), to=exp.DataType.build("VARCHAR"))))
    return exp.Case(ifs=ifs).else_(exp.Cast(this=number.copy(), to=exp.DataType.build("VARCHAR")))


def check_sink_format(table: TableDef) -> str:
    """Return the sink's format, raising UnsupportedFormatError for anything but json or raw."""
    fmt = table.format
    if fmt not in SUPPORTED_FORMATS:
        raise UnsupportedFormatError(
            f"sink {table.name!r} has format {fmt!r}; the local executor supports {', '.join(SUPPORTED_FORMATS)}"
        )
    for option in ("json.encode.ignore-null-fields", "json.encode.decimal-as-plain-number"):
        if fmt == "json" and table.options.get(option, "false").lower() == "true":
            raise UnsupportedFormatError(f"sink {table.name!r}: {option}=true")
    if fmt == "raw" and table.options.get("raw.charset", "UTF-8").upper().replace("-", "") != "UTF8":
        raise UnsupportedFormatError(f"sink {table.name!r}: raw.charset other than UTF-8")
    if fmt == "raw" and (len(table.columns) != 1 or table.columns[0].dtype.this not in TEXT_TYPES | BINARY_TYPES):
        raise UnsupportedFormatError(f"sink {table.name!r}: raw format needs exactly one STRING or BYTES column")
    return fmt


def encode_json(table: TableDef, values: list[exp.Expr], types: list[exp.DataType | None]) -> exp.Expr:
    """A DuckDB VARCHAR expression: the JSON object Flink writes for one row of ``table``.

    ``types`` are the Flink types of ``values`` where known; a value already of the column's type is not cast.
    """
    parts: list[exp.Expr] = []
    for position, (column, value, dtype) in enumerate(zip(table.columns, values, types, strict=True)):
        key = jackson_string(column.name)
        parts.append(exp.Literal.string(("{" if position == 0 else ",") + key + ":"))
        encoded = _json_value(column.dtype, value, exact=dtype is not None and dtype == column.dtype)
        parts.append(exp.Coalesce(this=encoded, expressions=[exp.Literal.string("null")]))
    parts.append(exp.Literal.string("}"))
    return exp.Anonymous(this="concat", expressions=parts)


def encode_raw(table: TableDef, value: exp.Expr) -> exp.Expr:
    """A DuckDB BLOB expression: the bytes Flink's raw format writes for one row of ``table``."""
    if table.columns[0].dtype.this in BINARY_TYPES:
        return exp.Cast(this=value, to=exp.DataType.build("BLOB"))
    return exp.Anonymous(this="encode", expressions=[exp.Cast(this=value, to=exp.DataType.build("VARCHAR"))])


def _json_value(dtype: exp.DataType, value: exp.Expr, exact: bool) -> exp.Expr:
    varchar = exp.DataType.build("VARCHAR")
    kind = dtype.this
    if kind in INTEGER_TYPES or kind == DType.BOOLEAN:
        narrowed = value if exact or kind == DType.BOOLEAN else truncate(value)
        return exp.Cast(this=value if exact else exp.Cast(this=narrowed, to=dtype.copy()), to=varchar)
    if kind == DType.DECIMAL:
        params = dtype.expressions
        scale = int(params[1].name) if len(params) > 1 else 0
        precision = int(params[0].name) if params else 10
        if scale > MAX_JSON_DECIMAL_SCALE:
            raise UnsupportedConstructError(f"json sink DECIMAL with scale {scale} > {MAX_JSON_DECIMAL_SCALE}")
        # An INSERT narrows to the sink's type; Flink turns a DECIMAL overflow into NULL.
        number = value if exact else exp.TryCast(this=value, to=dtype.copy())
        plain: exp.Expr = exp.Cast(this=number, to=varchar)
        if 0 < scale < precision and precision + 1 + scale <= 38 and isinstance(number, exp.Column):
            plain = _stripped_fraction(number, precision, scale)
        elif scale > 0:
            plain = exp.func("rtrim", exp.func("rtrim", plain, exp.Literal.string("0")), exp.Literal.string("."))
        digits = exp.Cast(this=exp.Cast(this=number, to=exp.DataType.build("HUGEINT")), to=varchar)
        scientific = template(_SCIENTIFIC, plain, __d=number, __i=digits)
        return template(_STRIPPED, plain, __d=number, __sci=scientific)
    if kind in TEXT_TYPES - {DType.CHAR, DType.NCHAR}:
        text = value if exact else exp.Cast(this=value, to=varchar)
        encoded = exp.Cast(this=exp.func("to_json", text), to=varchar)
        if isinstance(text, exp.Column):  # test the text itself: to_json escapes only ASCII characters
            return template(_SURROGATES_OF_TEXT, encoded, __x=text)
        return template(_SURROGATES, encoded)
    if kind in BINARY_TYPES:
        base64 = exp.func("to_base64", exp.Cast(this=value, to=exp.DataType.build("BLOB")))
        return exp.DPipe(
            this=exp.DPipe(this=exp.Literal.string('"'), expression=base64), expression=exp.Literal.string('"')
        )
    raise UnsupportedConstructError(f"json sink column type {dtype.sql()}")


_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


# What Jackson escapes: controls, the quote, the backslash, surrogates and what Java holds as a surrogate pair.
ESCAPED = re.compile(r'[\x00-\x1f"\\\ud800-\udfff\U00010000-\U0010ffff]')  # what jackson_string escapes


def jackson_string(text: str) -> str:
    """``text`` as the JSON string literal Flink's Jackson writes (used for names known at plan time)."""
    if ESCAPED.search(text) is None:
        return '"' + text + '"'
    return escaped_string(text)


def escaped_string(text: str) -> str:
    """jackson_string, character by character."""
    out = []
    for char in text:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:  # a lone surrogate (REPLACE of '' splits pairs) too
            out.append(f"\\u{code:04X}")
        elif code > 0xFFFF:
            high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
            out.append(f"\\u{high:04X}\\u{low:04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
