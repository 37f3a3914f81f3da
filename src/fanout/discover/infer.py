"""Infer Flink SQL column types from sampled JSON records, and say what could not be inferred.

Types: BOOLEAN; INT or BIGINT (by the sampled range); DECIMAL(p, s) from the sampled digits (DOUBLE for
exponents or more than 38 digits); STRING; objects as ``ROW<...>``; arrays as ``ARRAY<...>``. Conflicts
(a field that is a string in some records and a number in others), fields that are always null, empty
arrays, non-JSON records and JSON that is not an object are reported as warnings with their counts; the
column falls back to STRING, which Flink's json format reads any scalar into.

Example:
    >>> schema = infer_schema([b'{"id": 1, "amount": 12.5}', b'{"id": 2, "amount": -3.25}'])
    >>> schema.column_list()
    'id INT,\\namount DECIMAL(3, 2)'
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fanout.discover.exceptions import EmptyStreamError, NotJsonError
from fanout.routes.reserved import is_reserved

INT_RANGE = (-(2**31), 2**31 - 1)
BIGINT_RANGE = (-(2**63), 2**63 - 1)
MAX_PRECISION = 38
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A keyword that Flink does not reserve (fanout.routes.reserved covers those) but which reads better quoted.
_QUOTED_KEYWORDS = {"key"}


def ident(name: str) -> str:
    """A Flink identifier for a JSON key: as is when plain, else in backticks (reserved words of Flink too)."""
    plain = _PLAIN.match(name) and name.lower() not in _QUOTED_KEYWORDS and not is_reserved(name)
    return name if plain else "`" + name.replace("`", "``") + "`"


@dataclass
class FieldStats:
    """What the samples showed at one JSON path."""

    kinds: Counter[str] = field(default_factory=Counter)
    low: int = 0
    high: int = 0
    int_digits: int = 0
    scale: int = 0
    fields: dict[str, FieldStats] = field(default_factory=dict)
    items: FieldStats | None = None

    def observe(self, value: Any) -> None:
        """Account for one value seen at this path."""
        kind = _kind(value)
        self.kinds[kind] += 1
        if kind == "integer":
            self.low, self.high = min(self.low, value), max(self.high, value)
            self.int_digits = max(self.int_digits, len(str(abs(value))))
        elif kind == "decimal":
            _, digits, exponent = value.as_tuple()
            scale = -int(exponent)
            self.scale = max(self.scale, scale)
            self.int_digits = max(self.int_digits, len(digits) - scale)
        elif kind == "object":
            for key, child in value.items():
                self.fields.setdefault(key, FieldStats()).observe(child)
        elif kind == "array":
            self.items = self.items or FieldStats()
            for item in value:
                self.items.observe(item)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return "double" if not isinstance(exponent, int) or exponent > 0 else "decimal"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def flink_type(stats: FieldStats, path: str, warnings: list[str]) -> str:
    """The Flink type for ``stats``; anything uncertain is appended to ``warnings``."""
    kinds = {kind: count for kind, count in stats.kinds.items() if kind != "null"}
    if not kinds:
        warnings.append(f"{path}: always null in {stats.kinds['null']} records: typed STRING, check it")
        return "STRING"
    if set(kinds) <= {"integer", "decimal", "double"}:
        return _numeric(stats, set(kinds), path, warnings)
    if len(kinds) > 1:
        seen = ", ".join(f"{kind} in {count}" for kind, count in sorted(kinds.items()))
        warnings.append(f"{path}: conflicting types ({seen} records): typed STRING")
        return "STRING"
    kind = next(iter(kinds))
    if kind == "boolean":
        return "BOOLEAN"
    if kind == "string":
        return "STRING"
    if kind == "object":
        members = [f"{ident(k)} {flink_type(v, _child(path, k), warnings)}" for k, v in stats.fields.items()]
        if not members:
            warnings.append(f"{path}: always an empty object: typed STRING")
            return "STRING"
        return f"ROW<{', '.join(members)}>"
    if stats.items is None or not stats.items.kinds:
        warnings.append(f"{path}: always an empty array: typed ARRAY<STRING>, check it")
        return "ARRAY<STRING>"
    return f"ARRAY<{flink_type(stats.items, path + '[*]', warnings)}>"


def _numeric(stats: FieldStats, kinds: set[str], path: str, warnings: list[str]) -> str:
    if kinds == {"integer"}:
        if INT_RANGE[0] <= stats.low and stats.high <= INT_RANGE[1]:
            return "INT"
        if BIGINT_RANGE[0] <= stats.low and stats.high <= BIGINT_RANGE[1]:
            return "BIGINT"
    precision = max(stats.int_digits, 0) + stats.scale
    if "double" in kinds or precision > MAX_PRECISION:
        reason = "an exponent" if "double" in kinds else f"{precision} digits"
        warnings.append(f"{path}: numbers with {reason}: typed DOUBLE (inexact)")
        return "DOUBLE"
    return f"DECIMAL({max(precision, 1)}, {stats.scale})"


def _child(path: str, key: str) -> str:
    if _PLAIN.match(key):
        return f"{path}.{key}"
    return f"{path}['{key}']" if "'" not in key else f"{path}[{json.dumps(key)}]"


@dataclass
class DiscoveredSchema:
    """The inferred columns (in first-seen order), the counts behind them, and every warning."""

    columns: list[tuple[str, str, str]]  # (JSON key, Flink type, JSON path)
    leaves: list[tuple[str, str, str]]  # (JSON path, column alias, Flink type) of scalars and arrays, through objects
    records: int
    objects: int
    not_json: int
    not_object: int
    warnings: list[str]

    def column_list(self) -> str:
        """The ``CREATE TABLE`` column list, one column a line."""
        return ",\n".join(f"{ident(name)} {dtype}" for name, dtype, _ in self.columns)

    def create_table(self, table: str = "input_records", placeholder: str = "input.stream.arn") -> str:
        """A ready-to-use json-format source table (Flink's json format reads the columns by key)."""
        columns = ",\n".join(f"    {ident(name)} {dtype}" for name, dtype, _ in self.columns)
        return (
            f"CREATE TABLE {ident(table)} (\n{columns}\n) WITH (\n    'connector' = 'kinesis',\n"
            f"    'stream.arn' = '${{{placeholder}}}',\n    'aws.region' = '${{aws.region}}',\n"
            "    'source.init.position' = '${source.init.position}',\n"
            "    'source.init.timestamp' = '${source.init.timestamp}',\n    'format' = 'json'\n);"
        )

    def projections(self) -> str:
        """JSON_VALUE lines for a raw BYTES ``payload`` source (the style of sql/fanout.sql); arrays noted apart."""
        values = [
            _projection(alias, dtype, path) for path, alias, dtype in self.leaves if not dtype.startswith("ARRAY")
        ]
        notes = [
            f"-- {path}: {dtype} (JSON_VALUE reads scalars only)"
            for path, _, dtype in self.leaves
            if dtype.startswith("ARRAY")
        ]
        return ",\n".join(values) + ("\n" + "\n".join(notes) if notes else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "records": self.records,
            "json_objects": self.objects,
            "not_json": self.not_json,
            "not_object": self.not_object,
            "columns": [{"name": n, "type": t, "path": p} for n, t, p in self.columns],
            "warnings": self.warnings,
        }


def _projection(alias: str, dtype: str, path: str) -> str:
    literal = path.replace("'", "''")
    value = f"JSON_VALUE(CAST(payload AS STRING), '{literal}')"
    return f"{value} AS {ident(alias)}" if dtype == "STRING" else f"TRY_CAST({value} AS {dtype}) AS {ident(alias)}"


def _leaves(stats: FieldStats, path: str, alias: str) -> list[tuple[str, str, str]]:
    """Scalar and array paths under ``stats``, descending into fields that are always objects."""
    kinds = {kind for kind in stats.kinds if kind != "null"}
    if kinds == {"object"} and stats.fields:
        return [
            leaf for key, child in stats.fields.items() for leaf in _leaves(child, _child(path, key), f"{alias}_{key}")
        ]
    alias = re.sub(r"\W+", "_", alias).strip("_").lower() or "field"
    return [(path, alias, flink_type(stats, path, []))]


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python accepts them, JSON and Flink do not


def infer_schema(records: Sequence[bytes]) -> DiscoveredSchema:
    """Infer the columns of ``records``; raise EmptyStreamError (none) or NotJsonError (no JSON object)."""
    if not records:
        raise EmptyStreamError("no records to sample: put some records, or wait until producers write")
    root = FieldStats()
    not_json = not_object = 0
    for record in records:
        try:
            value = json.loads(record, parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError):
            not_json += 1
            continue
        if isinstance(value, dict):
            root.observe(value)
        else:
            not_object += 1
    objects = len(records) - not_json - not_object
    if objects == 0:
        raise NotJsonError(
            f"none of the {len(records)} sampled records is a JSON object ({not_json} not JSON, "
            f"{not_object} JSON but not an object): route them as raw bytes"
        )
    warnings: list[str] = []
    if not_json:
        warnings.append(f"{not_json} of {len(records)} records are not JSON: ignored for the schema")
    if not_object:
        warnings.append(f"{not_object} of {len(records)} records are JSON but not an object: ignored for the schema")
    columns, leaves = [], []
    for key, stats in root.fields.items():
        path = _child("$", key)
        missing = objects - sum(stats.kinds.values())
        if missing:
            warnings.append(f"{path}: missing in {missing} of {objects} records (NULL there)")
        columns.append((key, flink_type(stats, path, warnings), path))
        leaves += _leaves(stats, path, key)
    return DiscoveredSchema(columns, leaves, len(records), objects, not_json, not_object, warnings)
