"""Reading template.yaml offline: parameters, conditions, intrinsics, Globals. Pure."""

from __future__ import annotations

import pytest

from fanout.localcloud.deploy import _event_source, _naming, substitute_definition
from fanout.localcloud.exceptions import TemplateParameterError, UnsupportedTemplateError
from fanout.sam.template import Stack, load_template
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


def _template_event_source(logical: str) -> dict[str, object]:
    return dict(prepare().function_properties(logical)["Events"]["Stream"]["Properties"])


def test_the_templates_event_source_mappings_are_read_with_every_setting() -> None:
    # GIVEN the positive consumer's Kinesis event as the template declares it
    props = _template_event_source("PositiveConsumerFunction")
    # WHEN the offline runtime reads it
    source = _event_source(props)
    # THEN bisect, retries, partial batch responses and the DLQ are all honoured
    assert source.bisect_on_error is True
    assert source.maximum_retry_attempts == 3
    assert source.report_batch_item_failures is True
    assert source.on_failure_arn and source.on_failure_arn.endswith("ConsumerDeadLetterQueue")


@pytest.mark.parametrize(
    "extra, named",
    [
        ({"FilterCriteria": {"Filters": [{"Pattern": "{}"}]}}, "FilterCriteria"),
        ({"ParallelizationFactor": 2}, "ParallelizationFactor"),
        ({"MaximumRecordAgeInSeconds": 60}, "MaximumRecordAgeInSeconds"),
        ({"StartingPosition": "AT_TIMESTAMP"}, "AT_TIMESTAMP"),
        ({"DestinationConfig": {"OnFailure": {"Type": "SNS", "Destination": "arn:aws:sns:r:1:t"}}}, "SNS"),
    ],
)
def test_an_event_source_setting_the_runtime_does_not_honour_is_an_error_not_skipped(
    extra: dict[str, object], named: str
) -> None:
    # GIVEN the template's event source with a setting the local mappings do not implement
    props = {**_template_event_source("PositiveConsumerFunction"), **extra}
    # WHEN / THEN reading it names the setting instead of silently ignoring it
    with pytest.raises(UnsupportedTemplateError, match=named):
        _event_source(props)
