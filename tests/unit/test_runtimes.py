"""fanout.runtimes: the supported Managed Flink runtimes, how one is chosen, and what differs by runtime."""

from __future__ import annotations

import pytest

from fanout.exceptions import UnsupportedRuntimeError
from fanout.runtimes import connector_jar_name, resolve_runtime, restart_metric

TEMPLATE_2_2 = {"Parameters": {"FlinkRuntime": {"Type": "String", "Default": "FLINK-2_2"}}}


@pytest.mark.parametrize(
    ("flag", "environ", "template", "expected"),
    [
        (None, {}, None, "FLINK-1_20"),  # the default
        (None, {}, TEMPLATE_2_2, "FLINK-2_2"),  # the template's default
        (None, {"FANOUT_FLINK_RUNTIME": "FLINK-1_20"}, TEMPLATE_2_2, "FLINK-1_20"),  # the environment over it
        ("FLINK-2_2", {"FANOUT_FLINK_RUNTIME": "FLINK-1_20"}, None, "FLINK-2_2"),  # the flag over both
    ],
)
def test_the_runtime_is_the_flag_then_the_environment_then_the_template_then_the_default(
    flag: str | None, environ: dict[str, str], template: dict | None, expected: str
) -> None:
    assert resolve_runtime(flag, environ, template) == expected


def test_a_runtime_the_project_does_not_run_on_is_a_named_error_listing_the_supported_ones() -> None:
    with pytest.raises(UnsupportedRuntimeError, match=r"'FLINK-1_18'.*FLINK-1_20, FLINK-2_2"):
        resolve_runtime("FLINK-1_18")


def test_each_runtime_has_its_connector_and_its_restart_metric() -> None:
    # 2.x needs the 6.x connector line, and Flink 2.2 publishes numRestarts where 1.20 published fullRestarts
    assert connector_jar_name("FLINK-1_20") == "flink-sql-connector-aws-kinesis-streams-5.1.0-1.20.jar"
    assert connector_jar_name("FLINK-2_2") == "flink-sql-connector-aws-kinesis-streams-6.0.1-2.0.jar"
    assert (restart_metric("FLINK-1_20"), restart_metric("FLINK-2_2")) == ("fullRestarts", "numRestarts")
    assert restart_metric("FLINK-1_18") == "fullRestarts"  # someone else's application: a report, not a check
