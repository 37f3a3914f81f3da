"""Monthly cost of the scheduled fan-out against the same deployment always on, line by line."""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from fanout.cost.exceptions import CostInputError
from fanout.cost.inputs import CostInputs
from fanout.cost.prices import HOURS_PER_MONTH, SOURCES, Prices
from fanout.cost.schedule import windows_per_month
from fanout.cost.statemachine import TYPICAL_START_SECONDS, TYPICAL_STOP_SECONDS, load_definition, transitions

STANDARD_RETENTION_HOURS = 24
EXTENDED_RETENTION_HOURS = 168


def kpus(parallelism: int, parallelism_per_kpu: int) -> int:
    """Billed KPUs of a running application: ceil(parallelism / per KPU) plus one for orchestration.

    >>> kpus(1, 1), kpus(4, 2), kpus(5, 2)
    (2, 3, 4)
    """
    if parallelism < 1 or parallelism_per_kpu < 1:
        raise CostInputError("parallelism and parallelism per KPU must be at least 1")
    return math.ceil(parallelism / parallelism_per_kpu) + 1


def accrued_cost(since: datetime, kpu_count: int, prices: Prices, now: datetime | None = None) -> float:
    """KPU cost of the current run so far: seconds running (at least the minimum) x KPUs x price."""
    now = now or datetime.now(UTC)
    seconds = max((now - since).total_seconds(), float(prices.minimum_run_seconds))
    return seconds / 3600 * kpu_count * prices.kpu_hour


class CostLine(BaseModel):
    """One priced item of a month."""

    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float
    note: str = ""


class Variant(BaseModel):
    """A month of one way of running the application."""

    name: str
    flink_hours: float
    lines: list[CostLine]

    @property
    def total(self) -> float:
        """The month's total."""
        return sum(line.monthly for line in self.lines)


class CostEstimate(BaseModel):
    """The scheduled month, the always-on month, and everything they were computed from."""

    windows_per_month: float
    window_hours: float
    kpus: int
    transitions_per_window: int
    scheduled: Variant
    always_on: Variant
    assumptions: dict[str, str | float] = Field(default_factory=dict)
    prices: dict[str, dict[str, str | float]] = Field(default_factory=dict)

    @property
    def savings(self) -> float:
        """What the schedule saves per month."""
        return self.always_on.total - self.scheduled.total

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (totals included)."""
        data = self.model_dump()
        data["scheduled"]["total"] = round(self.scheduled.total, 2)
        data["always_on"]["total"] = round(self.always_on.total, 2)
        data["savings"] = round(self.savings, 2)
        return data


def _line(item: str, quantity: float, unit: str, price: float, note: str = "") -> CostLine:
    return CostLine(
        item=item, quantity=round(quantity, 3), unit=unit, unit_price=price, monthly=quantity * price, note=note
    )


def _flink_lines(hours: float, kpu_count: int, processing: int, prices: Prices) -> list[CostLine]:
    gb_months = processing * prices.running_storage_gb_per_kpu * hours / HOURS_PER_MONTH
    return [
        _line(
            "Flink KPU-hours", hours * kpu_count, "KPU-hour", prices.kpu_hour, f"{kpu_count} KPUs incl. orchestration"
        ),
        _line(
            "Flink running storage",
            gb_months,
            "GB-month",
            prices.running_storage_gb_month,
            f"{prices.running_storage_gb_per_kpu:g} GB per processing KPU, while running",
        ),
    ]


def _stream_lines(inputs: CostInputs, prices: Prices) -> tuple[list[CostLine], list[str]]:
    shards = sum(s.shards for s in inputs.streams)
    lines = [
        _line(
            "Kinesis shard-hours",
            shards * HOURS_PER_MONTH,
            "shard-hour",
            prices.shard_hour,
            f"{shards} shards in {len(inputs.streams)} streams",
        )
    ]
    extended = [s for s in inputs.streams if s.retention_hours > STANDARD_RETENTION_HOURS]
    notes = [
        f"{s.name} keeps {s.retention_hours} h: beyond 7 days, long-term retention is billed per GB-month stored "
        "(not counted: it depends on the data volume)"
        for s in extended
        if s.retention_hours > EXTENDED_RETENTION_HOURS
    ]
    if extended:
        ext_shards = sum(s.shards for s in extended)
        names = ", ".join(f"{s.name} ({s.retention_hours} h)" for s in extended)
        lines.append(
            _line(
                "Kinesis extended retention",
                ext_shards * HOURS_PER_MONTH,
                "shard-hour",
                prices.extended_retention_shard_hour,
                names,
            )
        )
    return lines, notes


def monthly_estimate(
    inputs: CostInputs,
    prices: Prices | None = None,
    *,
    days_per_month: float | None = None,
    hours_per_day: float | None = None,
    snapshot_gb: float = 0.01,
    start_seconds: float = TYPICAL_START_SECONDS,
    stop_seconds: float = TYPICAL_STOP_SECONDS,
) -> CostEstimate:
    """Price a month of the schedule in `inputs` and of the same deployment always on.

    `days_per_month`/`hours_per_day` replace the schedule's window count and length.
    Example: ``monthly_estimate(inputs_from_template(Path("template.yaml"))).scheduled.total``
    """
    prices = prices or Prices()
    windows = days_per_month if days_per_month is not None else windows_per_month(inputs.run_schedule, inputs.timezone)
    window_hours = hours_per_day if hours_per_day is not None else inputs.run_hours()
    if windows < 0 or window_hours <= 0:
        raise CostInputError("days per month must be >= 0 and hours per window > 0")
    kpu_count = kpus(inputs.parallelism, inputs.parallelism_per_kpu)
    billed_window = max(window_hours, prices.minimum_run_seconds / 3600)
    hours = min(windows * billed_window, HOURS_PER_MONTH)
    per_window = per_stop = 0
    if inputs.definition_path is not None:
        definition = load_definition(inputs.definition_path)
        count = functools.partial(
            transitions,
            definition,
            poll_seconds=inputs.poll_seconds,
            start_seconds=start_seconds,
            stop_seconds=stop_seconds,
        )
        per_window = count("run")
        per_stop = count("stop") if inputs.stop_schedule else 0
    stops = (
        windows_per_month(inputs.stop_schedule, inputs.timezone)
        if per_stop and days_per_month is None
        else (windows if per_stop else 0)
    )
    stream_lines, notes = _stream_lines(inputs, prices)
    processing = kpu_count - 1
    scheduled = Variant(
        name="scheduled",
        flink_hours=hours,
        lines=[
            *_flink_lines(hours, kpu_count, processing, prices),
            _line(
                "Flink snapshots",
                inputs.snapshots_kept * snapshot_gb,
                "GB-month",
                prices.snapshot_gb_month,
                f"{inputs.snapshots_kept} kept x {snapshot_gb:g} GB",
            ),
            _line(
                "Step Functions transitions",
                (windows * per_window + stops * per_stop) / 1000,
                "1,000 transitions",
                prices.transitions_per_1000,
                f"{per_window} per run window + {per_stop} per safety stop",
            ),
            *stream_lines,
        ],
    )
    always_on = Variant(
        name="always on",
        flink_hours=HOURS_PER_MONTH,
        lines=[*_flink_lines(HOURS_PER_MONTH, kpu_count, processing, prices), *stream_lines],
    )
    assumptions: dict[str, str | float] = {
        "schedule": inputs.run_schedule if days_per_month is None else f"{days_per_month:g} windows per month (flag)",
        "timezone": inputs.timezone,
        "window": inputs.run_duration if hours_per_day is None else f"{hours_per_day:g} h (flag)",
        "pollSeconds": inputs.poll_seconds,
        "startSeconds": start_seconds,
        "stopSeconds": stop_seconds,
        "snapshotGb": snapshot_gb,
        "notCounted": "; ".join(
            ["Kinesis PUT payload units and data transfer (the same either way)", "Lambda consumers", *notes]
        ),
    }
    return CostEstimate(
        windows_per_month=windows,
        window_hours=window_hours,
        kpus=kpu_count,
        transitions_per_window=per_window,
        scheduled=scheduled,
        always_on=always_on,
        assumptions=assumptions,
        prices={k: {"value": getattr(prices, k), "source": SOURCES[k]} for k in SOURCES},
    )
