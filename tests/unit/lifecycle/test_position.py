"""The resume position: the timestamp a re-created application reads from, and its bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fanout.exceptions import ConfigurationError
from fanout.lifecycle import LifecycleSettings
from fanout.lifecycle.position import ResumePosition
from fanout.localcloud.exceptions import LocalCloudError
from fanout.localcloud.flink_job import _init_timestamp


def test_the_timestamp_is_the_stop_less_the_margin_in_utc_with_milliseconds() -> None:
    # GIVEN a stop that began at 18:00:00.123456 in UTC+1
    began = datetime(2026, 12, 1, 18, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    position = ResumePosition(application="app", stopBegan=began)
    # WHEN the source options are built with a 90 s margin
    options = position.properties(margin_seconds=90)
    # THEN they are AT_TIMESTAMP, 16:58:30.123 UTC, in the connector's default format
    assert options == {"source.init.position": "AT_TIMESTAMP", "source.init.timestamp": "2026-12-01T16:58:30.123Z"}
    # AND the local job reads that format back to the same instant
    assert _init_timestamp(options) == datetime(2026, 12, 1, 16, 58, 30, 123000, tzinfo=UTC)


def test_a_naive_stop_time_is_utc_and_the_value_round_trips() -> None:
    position = ResumePosition.model_validate({"application": "app", "stopBegan": "2026-12-01T17:00:00"})
    assert position.stop_began == datetime(2026, 12, 1, 17, tzinfo=UTC)
    assert ResumePosition.model_validate_json(position.to_json()) == position


@pytest.mark.parametrize("margin", ["-1", "86401", "1.5", "five"])
def test_a_margin_outside_0_to_a_day_is_a_configuration_error(margin: str) -> None:
    environ = {"APPLICATION_NAME": "app", "RESUME_MARGIN_SECONDS": margin}
    with pytest.raises(ConfigurationError, match="resume_margin_seconds"):
        LifecycleSettings.from_env(environ)


def test_the_local_job_reads_epoch_seconds_and_names_a_timestamp_it_cannot_read() -> None:
    # GIVEN the connector's second accepted form, seconds since the epoch
    assert _init_timestamp({"source.init.timestamp": "1459799926.480"}) == datetime.fromtimestamp(1459799926.48, UTC)
    # WHEN neither form THEN a named error, as the connector refuses to start
    with pytest.raises(LocalCloudError, match="neither"):
        _init_timestamp({"source.init.timestamp": "yesterday"})
