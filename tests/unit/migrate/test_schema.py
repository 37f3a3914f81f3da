"""The legacy input schema: accepted shapes, types translated exactly or refused by name."""

from __future__ import annotations

import json

import pytest

from fanout.migrate import InputSchemaError, UntranslatableConstructError, load_input_schema
from fanout.migrate.schema import parse_type

COLUMNS = [{"Name": "ID", "SqlType": "INTEGER", "Mapping": "$.ID"}]


def test_load_input_schema_accepts_describe_application_shapes() -> None:
    # GIVEN the schema bare, wrapped in InputSchema with a NamePrefix, and as a bare column list
    bare = {"RecordFormat": {"RecordFormatType": "JSON"}, "RecordColumns": COLUMNS}
    wrapped = {"NamePrefix": "MY_INPUT", "InputSchema": bare}
    # WHEN loaded THEN each gives the same column, and the prefix names the input stream
    for document in (bare, wrapped, COLUMNS):
        schema = load_input_schema(json.dumps(document))
        assert [(c.flink_name, c.type.flink, c.mapping) for c in schema.columns] == [("id", "INT", "$.ID")]
    assert load_input_schema(json.dumps(wrapped)).stream_name == "MY_INPUT_001"


@pytest.mark.parametrize(
    ("text", "flink"),
    [("INTEGER", "INT"), ("BIGINT", "BIGINT"), ("DECIMAL(5,2)", "DECIMAL(5, 2)"), ("NUMERIC(10)", "DECIMAL(10, 0)"),
     ("VARCHAR(32)", "STRING")],
)  # fmt: skip
def test_parse_type_translatable_types(text: str, flink: str) -> None:
    # GIVEN a legacy type WHEN parsed THEN its Flink type
    assert parse_type(text).flink == flink


@pytest.mark.parametrize("text", ["DOUBLE", "REAL", "TIMESTAMP", "BOOLEAN", "CHAR(3)", "VARBINARY(4)", "DECIMAL(5,9)"])
def test_parse_type_untranslatable_types_are_named(text: str) -> None:
    # GIVEN a type whose legacy coercion has no exact Flink counterpart WHEN parsed THEN a named refusal
    with pytest.raises(UntranslatableConstructError, match="type"):
        parse_type(text)


@pytest.mark.parametrize(
    ("document", "error", "match"),
    [
        ("{not json", InputSchemaError, "not JSON"),
        ({"RecordColumns": []}, InputSchemaError, "non-empty RecordColumns"),
        ({"RecordFormat": {"RecordFormatType": "CSV"}, "RecordColumns": COLUMNS}, UntranslatableConstructError, "CSV"),
        (
            {"RecordFormat": {"MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$.rows[0:]"}}},
             "RecordColumns": COLUMNS},
            UntranslatableConstructError,
            "RecordRowPath",
        ),
        ([{"Name": "A", "SqlType": "INTEGER", "Mapping": "$.items[*]"}], InputSchemaError, "not a plain JSON path"),
        ([{"Name": "A", "SqlType": "INTEGER"}], InputSchemaError, "Mapping"),
        ([{"Name": "A", "SqlType": "INTEGER", "Mapping": "$.a"}, {"Name": "a", "SqlType": "INTEGER", "Mapping": "$.b"}],
         InputSchemaError, "differ only by case"),
    ],
)  # fmt: skip
def test_load_input_schema_bad_documents_raise_named_errors(document: object, error: type, match: str) -> None:
    # GIVEN a malformed or untranslatable schema WHEN loaded THEN a named error says what is wrong
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(error, match=match):
        load_input_schema(text)
