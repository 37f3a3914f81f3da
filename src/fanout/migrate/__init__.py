"""Migrate Kinesis Data Analytics for SQL (legacy) applications to the fan-out's Flink SQL.

``migrate_sql(legacy_sql, load_input_schema(schema_json))`` returns a Flink SQL script in the style of
``sql/fanout.sql`` that the route executor and Managed Flink both run. What it translates: in-application
streams (``CREATE OR REPLACE STREAM``) with integer, DECIMAL and VARCHAR columns; pumps
(``CREATE OR REPLACE PUMP ... AS INSERT INTO ... SELECT STREAM cols FROM "SOURCE_SQL_STREAM_001" WHERE ...``)
with comparisons, AND/OR/NOT, IS NULL, BETWEEN, IN, LIKE, + - *, CASE, COALESCE, UPPER, LOWER,
CHAR_LENGTH and ABS; and a JSON input schema with ``$.a.b`` mappings. Anything else (windows, ROWTIME,
STEP, joins, GROUP BY, DISTINCT, division, other types, chained pumps, ...) raises
UntranslatableConstructError naming it and its line: never a silently wrong translation.

Example:
    >>> flink_sql = migrate_sql(Path("sql/legacy/reference.sql").read_text(),
    ...                         load_input_schema(Path("sql/legacy/input-schema.json").read_text()))
"""

from __future__ import annotations

from fanout.migrate.exceptions import (
    InputSchemaError,
    LegacySyntaxError,
    MigrationError,
    UnknownLegacyNameError,
    UntranslatableConstructError,
)
from fanout.migrate.flink import MigrationOptions, migrate_sql
from fanout.migrate.legacy import LegacyApp, parse_legacy
from fanout.migrate.schema import InputSchema, load_input_schema

__all__ = [
    "InputSchema",
    "InputSchemaError",
    "LegacyApp",
    "LegacySyntaxError",
    "MigrationError",
    "MigrationOptions",
    "UnknownLegacyNameError",
    "UntranslatableConstructError",
    "load_input_schema",
    "migrate_sql",
    "parse_legacy",
]
