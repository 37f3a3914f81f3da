"""The template's parameter bounds against the lifecycle's own validation: a value the stack accepts never
makes every scheduled execution fail at Validate."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fanout.lifecycle.exceptions import InvalidRequestError
from fanout.lifecycle.models import LifecycleRequest, LifecycleSettings
from fanout.sam.exceptions import TemplateParameterError
from tests.support import TEMPLATE
from tests.unit.sam.test_template import prepare


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags read as plain nodes."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
PARAMETERS = yaml.load(TEMPLATE.read_text(), Loader=_Loader)["Parameters"]
PATTERN = re.compile(PARAMETERS["RunDuration"]["AllowedPattern"])
SETTINGS = LifecycleSettings(application_name="app")


def _validate_accepts(duration: str) -> bool:
    try:
        LifecycleRequest.parse({"action": "run", "duration": duration}).duration_seconds(SETTINGS)
    except InvalidRequestError:
        return False
    return True


def _iso(days: int | None, hours: int | None, minutes: int | None, seconds: int | None) -> str:
    time = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if v is not None)
    return "P" + (f"{days}D" if days is not None else "") + (f"T{time}" if time else "")


_part = st.none() | st.integers(min_value=0, max_value=700000)


@given(days=st.none() | st.integers(min_value=0, max_value=9), hours=_part, minutes=_part, seconds=_part)
def test_run_duration_pattern_accepts_only_what_validate_accepts(
    days: int | None, hours: int | None, minutes: int | None, seconds: int | None
) -> None:
    # GIVEN any ISO 8601 duration made of days, hours, minutes and seconds
    duration = _iso(days, hours, minutes, seconds)
    # WHEN the template's pattern and the Validate step judge it
    accepted, valid = PATTERN.fullmatch(duration) is not None, _validate_accepts(duration)
    # THEN the template never accepts what Validate rejects
    assert valid or not accepted, duration
    # AND it accepts every valid duration written the usual way (hours under 24 after days, minutes and
    # seconds under 60 after a larger unit, P7D alone)
    usual = (
        (days is None or ((hours or 0) < 24 and (days < 7 or (hours, minutes, seconds) == (None, None, None))))
        and (minutes is None or (days is None and hours is None) or minutes < 60)
        and (seconds is None or (days is None and hours is None and minutes is None) or seconds < 60)
    )
    if valid and usual and duration != "P":
        assert accepted, duration


@pytest.mark.parametrize(
    ("duration", "accepted"),
    [("PT8H", True), ("PT90M", True), ("P1DT12H", True), ("P7D", True), ("PT168H", True), ("PT1S", True),
     ("PT0S", False), ("P0D", False), ("P8D", False), ("P7DT1S", False), ("PT169H", False), ("PT604801S", False)],
)  # fmt: skip
def test_run_duration_examples(duration: str, accepted: bool) -> None:
    assert (PATTERN.fullmatch(duration) is not None) is accepted


def test_transition_ceiling_cannot_exceed_what_the_lifecycle_accepts() -> None:
    # GIVEN the lifecycle's own bound on the ceiling (a day)
    ceiling = LifecycleSettings.model_fields["ceiling_seconds"].metadata
    maximum = next(m.le for m in ceiling if hasattr(m, "le"))
    # WHEN the stack is given one second more THEN the template refuses it
    with pytest.raises(TemplateParameterError, match="MaxValue"):
        prepare(TransitionCeilingSeconds=str(maximum + 1))
    assert PARAMETERS["TransitionCeilingSeconds"]["MaxValue"] == maximum
