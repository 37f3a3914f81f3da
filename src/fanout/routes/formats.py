"""Sink formats: DuckDB expressions that produce the exact bytes Flink's ``json`` and ``raw`` formats write.

Flink's json format (JsonRowDataSerializationSchema, Jackson) writes a compact object with the sink's
columns in declared order, NULL as ``null``, DECIMAL as a number with the declared scale (``12.50``),
strings as UTF-8 with only ``"``, ``\\`` and control characters escaped (``\\u001F`` upper-case hex), and
BYTES as base64. The raw format writes a single STRING column as UTF-8, or a BYTES column unchanged.
"""

from __future__ import annotations

import orjson
from sqlglot import exp

from fanout.routes.exceptions import UnsupportedConstructError, UnsupportedFormatError
from fanout.routes.parser import TableDef
from fanout.routes.translate import BINARY_TYPES, INTEGER_TYPES, TEXT_TYPES, DType, truncate

SUPPORTED_FORMATS = ("json", "raw")
# Above this scale Jackson writes small BigDecimals in scientific notation (1E-7), which we do not mimic.
MAX_JSON_DECIMAL_SCALE = 6


def check_sink_format(table: TableDef) -> str:
    """Return the sink's format, raising UnsupportedFormatError for anything but json or raw."""
    fmt = table.format
    if fmt not in SUPPORTED_FORMATS:
        raise UnsupportedFormatError(
            f"sink {table.name!r} has format {fmt!r}; the local executor supports {', '.join(SUPPORTED_FORMATS)}"
        )
    if fmt == "json" and table.options.get("json.encode.ignore-null-fields", "false").lower() == "true":
        raise UnsupportedFormatError(f"sink {table.name!r}: json.encode.ignore-null-fields=true")
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
        key = orjson.dumps(column.name).decode()
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
        if scale > MAX_JSON_DECIMAL_SCALE:
            raise UnsupportedConstructError(f"json sink DECIMAL with scale {scale} > {MAX_JSON_DECIMAL_SCALE}")
        # An INSERT narrows to the sink's type; Flink turns a DECIMAL overflow into NULL.
        return exp.Cast(this=value if exact else exp.TryCast(this=value, to=dtype.copy()), to=varchar)
    if kind in TEXT_TYPES - {DType.CHAR, DType.NCHAR}:
        text = value if exact else exp.Cast(this=value, to=varchar)
        return exp.Cast(this=exp.func("to_json", text), to=varchar)
    if kind in BINARY_TYPES:
        base64 = exp.func("to_base64", exp.Cast(this=value, to=exp.DataType.build("BLOB")))
        return exp.DPipe(
            this=exp.DPipe(this=exp.Literal.string('"'), expression=base64), expression=exp.Literal.string('"')
        )
    raise UnsupportedConstructError(f"json sink column type {dtype.sql()}")
