"""The cost estimate: KPUs, the schedule's windows, the ASL's transitions, and the monthly lines."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fanout.cost import Prices, accrued_cost, inputs_from_template, kpus, monthly_estimate, windows_per_month
from fanout.cost.exceptions import CostInputError, ScheduleExpressionError
from fanout.cost.statemachine import lifecycle_script, load_definition, transitions, walk
from tests.support import ROOT, TEMPLATE

ASL = ROOT / "statemachines" / "lifecycle.asl.json"


def _line(variant: object, item: str) -> float:
    return next(line.monthly for line in variant.lines if line.item == item)  # type: ignore[attr-defined]


def test_kpus_rounds_up_and_adds_orchestration() -> None:
    # THEN parallelism / per-KPU is rounded up, plus one orchestration KPU
    assert [kpus(1, 1), kpus(4, 2), kpus(5, 2), kpus(8, 8)] == [2, 3, 4, 2]
    with pytest.raises(CostInputError):
        kpus(0, 1)


def test_accrued_cost_short_run_bills_the_ten_minute_minimum() -> None:
    # GIVEN a run of 2 minutes and one of 1 hour, with 2 KPUs
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    prices = Prices()
    # THEN the short run costs the 10-minute minimum and the long one its time
    assert accrued_cost(now - timedelta(minutes=2), 2, prices, now) == pytest.approx(600 / 3600 * 2 * 0.11)
    assert accrued_cost(now - timedelta(hours=1), 2, prices, now) == pytest.approx(0.22)


def test_windows_per_month_weekday_cron_averages_calendar_weekdays() -> None:
    # THEN MON-FRI fires on about 21.8 days a month, numeric days (1 = Sunday) mean the same, rate(1 day) 30.4
    weekdays = windows_per_month("cron(0 9 ? * MON-FRI *)")
    assert weekdays == pytest.approx(21.77, abs=0.01)
    assert windows_per_month("cron(0 9 ? * 2-6 *)") == weekdays
    assert windows_per_month("cron(0 9 ? * MON-FRI *)", "Europe/Madrid") == weekdays
    assert windows_per_month("rate(1 day)") == pytest.approx(730 / 24)
    assert windows_per_month("cron(0 9,14 * * ? *)") == pytest.approx(2 * 1461 / 48)


@pytest.mark.parametrize(
    ("expression", "timezone", "match"),
    [
        ("at(2026-12-01T09:00:00)", "UTC", "only cron"),
        ("cron(0 9 * *)", "UTC", "6 fields"),
        ("cron(0 9 ? * MON-FRI *)", "Mars/Olympus", "time zone"),
        ("cron(0 9 ? * FUNDAY *)", "UTC", "malformed"),
        ("cron(0 9 ? * MON-FRI 2027)", "UTC", "year"),
    ],
)
def test_windows_per_month_uncountable_expression_is_named_error(expression: str, timezone: str, match: str) -> None:
    with pytest.raises(ScheduleExpressionError, match=match):
        windows_per_month(expression, timezone)


def test_transitions_run_window_follows_the_asl_poll_loops() -> None:
    # GIVEN the real lifecycle ASL
    definition = load_definition(ASL)
    # WHEN a run window is walked at the default 30 s poll (start ~150 s, stop ~60 s)
    entered = walk(definition, lifecycle_script("run", poll_seconds=30))
    # THEN it polls 5 times for the start and twice for the stop, and ends Done
    assert entered.count("Check start progress") == math.ceil(150 / 30)
    assert entered.count("Check stop progress") == math.ceil(60 / 30)
    assert entered[0] == "Validate request" and entered[-1] == "Done"
    assert len(entered) == transitions(definition, "run", poll_seconds=30) == 38
    # AND each extra poll costs three states (Wait, Check, Choice)
    assert transitions(definition, "run", poll_seconds=10) - 38 == 3 * ((15 - 5) + (6 - 2))
    # AND a safety stop of a READY application is short
    assert walk(definition, lifecycle_script("stop", poll_seconds=30))[-2:] == ["Prune old snapshots", "Done"]


def test_monthly_estimate_template_defaults_prices_every_line() -> None:
    # GIVEN the template's defaults: weekdays 09:00 UTC for PT8H, parallelism 1, 4 shards, input kept 168 h
    inputs = inputs_from_template(TEMPLATE)
    # WHEN the month is estimated
    estimate = monthly_estimate(inputs)
    # THEN always-on pays 730 h x 2 KPUs, the schedule about 21.77 x 8 h of them
    assert _line(estimate.always_on, "Flink KPU-hours") == pytest.approx(160.60)
    assert _line(estimate.scheduled, "Flink KPU-hours") == pytest.approx(
        windows_per_month(inputs.run_schedule) * 8 * 2 * 0.11
    )
    # AND the streams cost the same either way: 4 shards, and the input's extended retention
    for variant in (estimate.scheduled, estimate.always_on):
        assert _line(variant, "Kinesis shard-hours") == pytest.approx(4 * 730 * 0.015)
        assert _line(variant, "Kinesis extended retention") == pytest.approx(730 * 0.02)
    # AND the transitions come from the ASL (38 per window) plus the daily safety stop
    assert estimate.transitions_per_window == 38
    assert estimate.savings == pytest.approx(estimate.always_on.total - estimate.scheduled.total)
    assert "kinesis" in str(estimate.prices["shard_hour"]["source"])


def test_monthly_estimate_flags_override_schedule_and_minimum_applies() -> None:
    # GIVEN the template's inputs
    inputs = inputs_from_template(TEMPLATE, {"Parallelism": 4, "ParallelismPerKPU": 2, "InputRetentionHours": 24})
    # WHEN 22 windows of 8 h, and 30 windows of 3 minutes, are priced
    long_runs = monthly_estimate(inputs, days_per_month=22, hours_per_day=8)
    short_runs = monthly_estimate(inputs, days_per_month=30, hours_per_day=0.05)
    # THEN KPUs are 4/2 + 1 = 3, short runs bill 10 minutes each, and no stream has extended retention
    assert long_runs.kpus == 3
    assert _line(long_runs.scheduled, "Flink KPU-hours") == pytest.approx(22 * 8 * 3 * 0.11)
    assert _line(short_runs.scheduled, "Flink KPU-hours") == pytest.approx(30 * (10 / 60) * 3 * 0.11)
    assert all(line.item != "Kinesis extended retention" for line in long_runs.scheduled.lines)


def test_inputs_from_template_missing_file_is_named_error(tmp_path: object) -> None:
    with pytest.raises(CostInputError, match="--template"):
        inputs_from_template(ROOT / "no-such-template.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [("Resources: [\n", "cannot parse the template"), ("- a list\n", "not a YAML or JSON mapping")],
)
def test_inputs_from_template_malformed_or_non_mapping_is_one_line_named_error(
    tmp_path: Path, text: str, message: str
) -> None:
    # GIVEN a --template that is malformed YAML, or YAML but no mapping (an SQL file passed by mistake, say)
    path = tmp_path / "t.yaml"
    path.write_text(text)
    # WHEN read THEN a CostInputError, on one line, instead of the YAML parser's own (multi-line) exception
    with pytest.raises(CostInputError, match=message) as raised:
        inputs_from_template(path)
    assert "\n" not in str(raised.value) and "--template" in str(raised.value)


def test_cost_command_json_matches_the_domain_estimate() -> None:
    # GIVEN the CLI
    from fanout.cli import _register, app

    _register()
    # WHEN `fanout cost --json` runs with the README's schedule
    result = CliRunner().invoke(
        app, ["cost", "--template", str(TEMPLATE), "--days-per-month", "22", "--hours-per-day", "8", "--json"]
    )
    # THEN it prints the same totals as the domain estimate
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    expected = monthly_estimate(inputs_from_template(TEMPLATE), days_per_month=22, hours_per_day=8)
    assert doc["scheduled"]["total"] == round(expected.scheduled.total, 2)
    assert doc["always_on"]["total"] == round(expected.always_on.total, 2)
    assert doc["prices"]["kpu_hour"]["value"] == 0.11
