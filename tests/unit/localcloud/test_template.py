"""Reading template.yaml offline: parameters, conditions, intrinsics, Globals. Pure."""

from __future__ import annotations

import pytest

from fanout.localcloud.deploy import _naming, substitute_definition
from fanout.localcloud.exceptions import TemplateParameterError, UnsupportedTemplateError
from fanout.localcloud.template import Stack, load_template
from tests.support import TEMPLATE


def prepare(**overrides: str) -> Stack:
    return Stack.prepare(
        load_template(TEMPLATE),
        name="dev",
        region="eu-west-1",
        account="111122223333",
        overrides=overrides,
        naming=_naming,
    )


def test_physical_names_derive_from_the_stack_name() -> None:
    stack = prepare()
    assert stack.ref("TransactionsStream") == "dev-transactions"
    assert (
        stack.get_att("PositiveTransactionsStream", "Arn")
        == "arn:aws:kinesis:eu-west-1:111122223333:stream/dev-positive-transactions"
    )
    assert stack.outputs()["ApplicationName"] == "dev-fanout"


def test_globals_are_merged_into_function_environment() -> None:
    env = prepare().function_properties("EnsureApplicationFunction")["Environment"]["Variables"]
    assert env["APPLICATION_NAME"] == "dev-fanout"
    assert env["POWERTOOLS_SERVICE_NAME"] == "kinesis-fanout"
    assert (
        '"input.stream.arn": "arn:aws:kinesis:eu-west-1:111122223333:stream/dev-transactions"'
        in env["FLINK_APPLICATION_PROPERTIES"]
    )


def test_conditions_follow_parameters() -> None:
    assert "StopSchedule" in prepare().resources()
    assert "StopSchedule" not in prepare(StopScheduleExpression="").resources()
    assert "FailureTopicEmail" in prepare(AlarmEmail="ops@example.com").resources()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"InputRetentionHours": "12"}, "MinValue"),
        ({"ScheduleState": "MAYBE"}, "not one of"),
        ({"RunDuration": "8h"}, "does not match"),
        ({"InputShardCount": "many"}, "not a number"),
        ({"NoSuchParameter": "1"}, "unknown parameters"),
    ],
)
def test_bad_parameters_get_a_named_error(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateParameterError, match=message):
        prepare(**overrides)


def test_unknown_intrinsics_and_attributes_are_errors_not_guesses() -> None:
    stack = prepare()
    with pytest.raises(UnsupportedTemplateError, match="Fn::ImportValue"):
        stack.resolve({"Fn::ImportValue": "x"})
    with pytest.raises(UnsupportedTemplateError, match="Nope"):
        stack.resolve({"Fn::GetAtt": ["TransactionsStream", "Nope"]})
    with pytest.raises(UnsupportedTemplateError, match="Missing"):
        stack.resolve({"Ref": "Missing"})


def test_definition_substitution_names_missing_keys() -> None:
    assert substitute_definition('{"R": "${A}"}', {"A": "x"}) == '{"R": "x"}'
    with pytest.raises(UnsupportedTemplateError, match="B"):
        substitute_definition('{"R": "${A}", "S": "${B}"}', {"A": "x"})
