"""Request and settings models of the lifecycle: pure, no network."""

from __future__ import annotations

import pytest

from fanout.exceptions import ConfigurationError
from fanout.lifecycle import Action, LifecycleRequest, LifecycleSettings, parse_duration
from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.models import StepResult
from fanout.lifecycle.status import ApplicationStatus
from tests.support import load_event

SETTINGS = LifecycleSettings(application_name="app")


@pytest.mark.parametrize("action", ["run", "start", "stop", "delete"])
def test_request_parses_every_state_machine_sample_event(action: str) -> None:
    request = LifecycleRequest.parse(load_event(f"statemachine/{action}"))
    assert request.action is Action(action)


def test_request_defaults_to_run_with_the_configured_duration() -> None:
    request = LifecycleRequest.parse({})
    assert request.action is Action.RUN
    assert request.duration_seconds(SETTINGS) == 8 * 3600


@pytest.mark.parametrize(
    "value, seconds", [("PT8H", 28800), ("PT90S", 90), ("pt1h30m", 5400), ("P1DT1H", 90000), ("PT0.5S", None)]
)
def test_parse_duration_accepts_iso_8601(value: str, seconds: int | None) -> None:
    if seconds is None:
        assert parse_duration(value).total_seconds() == 0.5
    else:
        assert parse_duration(value).total_seconds() == seconds


@pytest.mark.parametrize("value", ["8h", "8 hours", "P", "PTXH", "", "28800"])
def test_parse_duration_rejects_malformed_values(value: str) -> None:
    with pytest.raises(InvalidRequestError, match="ISO 8601"):
        parse_duration(value)


@pytest.mark.parametrize(
    "event, message",
    [
        ({"action": "explode"}, "action"),
        ({"action": 3}, "action"),
        ({"action": "run", "extra": 1}, "extra"),
        ({"action": "stop", "duration": "PT1H"}, "only to action 'run'"),
        (["run"], "JSON object"),
    ],
)
def test_request_rejects_bad_input_with_a_named_error(event: object, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        LifecycleRequest.parse(event)  # type: ignore[arg-type]


def test_window_below_one_second_or_above_the_maximum_is_rejected() -> None:
    with pytest.raises(InvalidRequestError, match="at least one second"):
        LifecycleRequest.parse({"action": "run", "duration": "PT0S"}).duration_seconds(SETTINGS)
    with pytest.raises(InvalidRequestError, match="maximum"):
        LifecycleRequest.parse({"action": "run", "duration": "P30D"}).duration_seconds(SETTINGS)


def test_settings_from_env_need_an_application_name() -> None:
    with pytest.raises(ConfigurationError, match="APPLICATION_NAME"):
        LifecycleSettings.from_env({})


def test_settings_from_env_reject_bad_numbers_and_names() -> None:
    with pytest.raises(ConfigurationError, match="poll_seconds"):
        LifecycleSettings.from_env({"APPLICATION_NAME": "app", "POLL_INTERVAL_SECONDS": "soon"})
    with pytest.raises(ConfigurationError, match="application_name"):
        LifecycleSettings.from_env({"APPLICATION_NAME": "bad name!"})


def test_settings_from_env_read_every_knob() -> None:
    settings = LifecycleSettings.from_env(
        {
            "APPLICATION_NAME": "a",
            "POLL_INTERVAL_SECONDS": "5",
            "TRANSITION_CEILING_SECONDS": "60",
            "DEFAULT_RUN_DURATION": "PT1H",
        }
    )
    assert (settings.poll_seconds, settings.ceiling_seconds, settings.default_duration) == (5, 60, "PT1H")


def test_step_result_is_the_dict_the_state_machine_reads_in_its_key_order_of_plain_strings() -> None:
    # GIVEN a start step's result and a no-op's
    started = StepResult("started", ApplicationStatus.STARTING, "op-1", since="t0", restore_type="SKIP")
    noop = StepResult.noop(ApplicationStatus.DELETED)
    # WHEN each is written out THEN the keys and their order are the handlers' JSON, restoreType only on a start
    assert list(started.to_dict().items()) == [
        ("action", "started"),
        ("status", "STARTING"),
        ("restoreType", "SKIP"),
        ("operationId", "op-1"),
        ("since", "t0"),
    ]
    assert list(noop.to_dict()) == ["action", "status", "operationId", "since"]
    assert (noop.action, noop.operation_id) == ("none", None)
    assert type(started.to_dict()["status"]) is str
