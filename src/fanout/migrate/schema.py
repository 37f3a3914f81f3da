"""The legacy application's input schema (``RecordColumns`` with ``Name``, ``SqlType``, ``Mapping``) and its types.

Accepts the ``InputSchema`` object as DescribeApplication returns it (``{"RecordFormat": ...,
"RecordColumns": [...]}``), wrapped in ``{"InputSchema": ...}``, or a bare list of record columns.

Example:
    >>> schema = load_input_schema('{"RecordColumns": [{"Name": "ID", "SqlType": "INTEGER", "Mapping": "$.ID"}]}')
    >>> schema.columns[0].flink_name, schema.columns[0].flink_type
    ('id', 'INT')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from fanout.migrate.exceptions import InputSchemaError, UntranslatableConstructError

DEFAULT_NAME_PREFIX = "SOURCE_SQL_STREAM"
# JSON_VALUE paths the migration writes: $.key, $.a.b, $['key'] and [n] indexes (no wildcards, slices or filters).
_PATH = re.compile(r"^\$(\.[A-Za-z_][A-Za-z0-9_]*|\['[^'\\]+'\]|\[[0-9]+\])+$")
_INTEGERS = {"TINYINT": "TINYINT", "SMALLINT": "SMALLINT", "INTEGER": "INT", "INT": "INT", "BIGINT": "BIGINT"}
_TYPE = re.compile(r"^\s*([A-Za-z]+(?:\s+[A-Za-z]+)?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")


@dataclass(frozen=True)
class LegacyType:
    """A legacy SQL type the migration translates: integers, DECIMAL(p, s) and VARCHAR(n)."""

    kind: str  # "integer", "decimal" or "varchar"
    flink: str  # the Flink type of the typed column: INT, BIGINT, DECIMAL(5, 2), STRING
    length: int | None = None  # VARCHAR(n): legacy truncated longer strings to n characters
    legacy: str = ""  # the legacy spelling, normalised: INTEGER, DECIMAL(5, 2), VARCHAR(200)
    precision: int | None = None  # DECIMAL(p, s) only
    scale: int | None = None

    @property
    def cast(self) -> str | None:
        """The Flink type the JSON text is TRY_CAST to (None: the text is kept)."""
        return None if self.kind == "varchar" else self.flink

    @property
    def overflow_guard(self) -> tuple[str, str] | None:
        """For DECIMAL(p, s): a Flink type one digit wider, and the bound 10^(p-s) its value must stay under.

        Flink 1.20's TRY_CAST of text to DECIMAL(p, s) keeps a value that HALF_UP rounding carries to 10^(p-s)
        (999.995 -> 1000.00 in DECIMAL(5, 2)), where the legacy mapping overflowed and sent the record to its
        error_stream. Casting one digit wider and comparing against the bound rejects it as legacy did.
        """
        if self.kind != "decimal" or self.precision is None or self.scale is None:
            return None
        wider = f"DECIMAL({min(self.precision + 1, 38)}, {self.scale})"
        return wider, "1" + "0" * (self.precision - self.scale)


def parse_type(text: str, line: int | None = None) -> LegacyType:
    """Translate a legacy type name; anything with no exact Flink counterpart raises UntranslatableConstructError."""
    match = _TYPE.match(text)
    if match is None:
        raise UntranslatableConstructError(f"type {text.strip()!r}", line)
    name, first, second = match.group(1).upper(), match.group(2), match.group(3)
    if name in _INTEGERS and first is None:
        return LegacyType("integer", _INTEGERS[name], legacy=name)
    if name in ("DECIMAL", "DEC", "NUMERIC"):
        precision, scale = int(first or 19), int(second or 0)  # legacy DECIMAL: up to 19 significant digits
        if not 1 <= precision <= 38 or scale > precision:
            raise UntranslatableConstructError(f"type {text.strip()}", line, "precision must be 1..38 and >= scale")
        if scale > 6:
            raise UntranslatableConstructError(f"type {text.strip()}", line, "the json sink writes scale <= 6 exactly")
        spelled = f"DECIMAL({precision}, {scale})"
        return LegacyType("decimal", spelled, legacy=spelled, precision=precision, scale=scale)
    if name in ("VARCHAR", "CHARACTER VARYING", "CHAR VARYING") and first is not None and second is None:
        return LegacyType("varchar", "STRING", int(first), f"VARCHAR({first})")
    detail = "no exact Flink equivalent for its legacy coercion rules; map it by hand"
    raise UntranslatableConstructError(f"type {text.strip().upper()}", line, detail)


@dataclass(frozen=True)
class RecordColumn:
    """One column of the legacy in-application input stream."""

    name: str  # the legacy name, case-sensitive as declared
    type: LegacyType
    mapping: str  # the JSON path

    @property
    def flink_name(self) -> str:
        """The Flink column name: the legacy name in lower case."""
        return self.name.lower()


@dataclass(frozen=True)
class InputSchema:
    """The record columns and the in-application stream they form (``<NamePrefix>_001``)."""

    columns: tuple[RecordColumn, ...]
    name_prefix: str = DEFAULT_NAME_PREFIX

    @property
    def stream_name(self) -> str:
        """The legacy in-application input stream, e.g. ``SOURCE_SQL_STREAM_001``."""
        return f"{self.name_prefix}_001"

    def column(self, legacy_name: str) -> RecordColumn | None:
        """The column named exactly ``legacy_name`` (legacy names are case-sensitive once resolved)."""
        return next((c for c in self.columns if c.name == legacy_name), None)


def load_input_schema(text: str, source: str = "input schema") -> InputSchema:
    """Parse the input schema JSON; raise InputSchemaError or UntranslatableConstructError naming the problem."""
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputSchemaError(f"{source} is not JSON: {exc}") from exc
    prefix = DEFAULT_NAME_PREFIX
    if isinstance(document, dict):
        prefix = str(document.get("NamePrefix") or prefix)
        document = document.get("InputSchema", document)
    if isinstance(document, dict):
        _check_format(document, source)
        document = document.get("RecordColumns")
    if not isinstance(document, list) or not document:
        raise InputSchemaError(f"{source}: expected a non-empty RecordColumns list")
    columns = [_column(item, position, source) for position, item in enumerate(document)]
    lower = [c.flink_name for c in columns]
    clash = sorted({name for name in lower if lower.count(name) > 1})
    if clash:
        raise InputSchemaError(f"{source}: columns {', '.join(clash)} differ only by case (Flink names are lower-case)")
    return InputSchema(tuple(columns), prefix)


def _check_format(document: dict[str, Any], source: str) -> None:
    record_format = document.get("RecordFormat") or {}
    kind = str(record_format.get("RecordFormatType", "JSON")).upper()
    if kind != "JSON":
        raise UntranslatableConstructError(f"RecordFormatType {kind}", None, "only JSON records are migrated")
    parameters = (record_format.get("MappingParameters") or {}).get("JSONMappingParameters") or {}
    row_path = parameters.get("RecordRowPath", "$")
    if row_path != "$":
        raise UntranslatableConstructError(f"RecordRowPath {row_path!r}", None, "only '$' (one row per record)")
    encoding = document.get("RecordEncoding", "UTF-8")
    if encoding != "UTF-8":
        raise InputSchemaError(f"{source}: RecordEncoding {encoding!r}; only UTF-8")


def _column(item: Any, position: int, source: str) -> RecordColumn:
    if not isinstance(item, dict) or not isinstance(item.get("Name"), str) or not isinstance(item.get("SqlType"), str):
        raise InputSchemaError(f"{source}: RecordColumns[{position}] needs string Name and SqlType")
    name = item["Name"]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise InputSchemaError(f"{source}: column name {name!r} is not a plain identifier")
    mapping = item.get("Mapping")
    if not isinstance(mapping, str) or not _PATH.match(mapping):
        raise InputSchemaError(f"{source}: column {name}: Mapping {mapping!r} is not a plain JSON path ($.a.b)")
    return RecordColumn(name, parse_type(item["SqlType"]), mapping)
