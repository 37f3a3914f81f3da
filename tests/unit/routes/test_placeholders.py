"""${name} placeholders resolved from runtime properties."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanout.routes import (
    RUNTIME_PROPERTIES,
    MissingPropertyError,
    UnknownPlaceholderError,
    find_placeholders,
    substitute,
)

SQL = Path(__file__).resolve().parents[3].joinpath("sql", "fanout.sql").read_text()


def test_reference_sql_placeholders_are_exactly_the_runtime_properties() -> None:
    # GIVEN the reference script WHEN its placeholders are listed THEN they are the lifecycle's properties
    assert find_placeholders(SQL) == RUNTIME_PROPERTIES


def test_reference_sql_has_no_account_region_or_arn() -> None:
    # GIVEN the reference script WHEN read THEN nothing environment-specific is hard-coded
    assert "arn:aws" not in SQL
    assert "us-east-1" not in SQL


def test_substitute_all_properties_resolves_and_escapes() -> None:
    # GIVEN a value with a quote WHEN substituted THEN it is escaped for a SQL literal
    assert substitute("'a' = '${aws.region}'", {"aws.region": "it's"}) == "'a' = 'it''s'"


def test_substitute_missing_property_raises_naming_it() -> None:
    # GIVEN properties without the input stream
    properties = {name: "x" for name in RUNTIME_PROPERTIES - {"input.stream.arn"}}
    # WHEN the reference script is rendered THEN the missing name is reported
    with pytest.raises(MissingPropertyError) as caught:
        substitute(SQL, properties)
    assert caught.value.names == ["input.stream.arn"]


def test_substitute_unknown_placeholder_raises_when_allowed_set_given() -> None:
    # GIVEN a placeholder outside the allowed set WHEN rendered THEN it is unknown
    with pytest.raises(UnknownPlaceholderError, match=r"typo\.arn"):
        substitute("'${typo.arn}'", {"typo.arn": "x"}, allowed=RUNTIME_PROPERTIES)
