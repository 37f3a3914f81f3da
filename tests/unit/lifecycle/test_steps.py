"""Each step's input, parsed at the Lambda edge: one source of truth (the state), named errors for bad input."""

from __future__ import annotations

import re

import pytest

from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.models import Target
from fanout.lifecycle.steps import CheckInput, RecordInput, StepInput, StopInput
from tests.support import ROOT, load_event


def test_every_sample_event_of_a_later_step_parses() -> None:
    # GIVEN the events `sam local invoke` uses WHEN parsed THEN each names the application the state carries
    assert StopInput.parse(load_event("lifecycle/stop_force")).force is True
    assert CheckInput.parse(load_event("lifecycle/check_ready")).target is Target.READY
    assert RecordInput.parse(load_event("lifecycle/position")).stop_began.isoformat() == "2026-12-01T17:00:00+00:00"
    for name in ("start", "delete", "ensure", "snapshots", "stop"):
        assert StepInput.parse(load_event(f"lifecycle/{name}")).application_name == "fanout-fanout"


@pytest.mark.parametrize(
    ("model", "event", "message"),
    [
        (StopInput, {"applicationName": "a", "force": "yes"}, "'force' must be true or false, got 'yes'"),
        (StopInput, {"applicationName": "a", "ceilingSeconds": True}, "'ceilingSeconds' must be a whole number"),
        (StopInput, {"applicationName": "a", "ceilingSeconds": 0}, "'ceilingSeconds' must be a whole number"),
        (CheckInput, {"applicationName": "a", "target": "SLEEPING"}, "'target' must be one of RUNNING, READY"),
        (RecordInput, {"applicationName": "a", "stopBegan": "soon"}, "'stopBegan' must be an ISO 8601 time"),
        (StepInput, {"applicationName": "no spaces"}, "'applicationName' must be the application's name"),
        (StepInput, ["not", "an", "object"], "must be a JSON object, got list"),
    ],
)  # fmt: skip
def test_a_malformed_step_input_is_a_named_error_with_the_field(
    model: type[StepInput], event: object, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=re.escape(message)):
        model.parse(event)  # type: ignore[arg-type]


def test_only_the_first_step_reads_the_application_name_from_its_environment() -> None:
    # GIVEN the lifecycle handlers WHEN read THEN none but Validate request takes the name from settings
    for path in sorted((ROOT / "functions" / "lifecycle").glob("*.py")):
        text = path.read_text()
        if path.name != "validate.py":
            assert "settings.application_name" not in text and ".application_name\n" not in text, path.name
            assert "event.get(" not in text, f"{path.name}: parse the input with a model of fanout.lifecycle.steps"
