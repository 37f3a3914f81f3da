"""What the fan-out costs per month, on its schedule and always on; and what the current run has cost so far."""

from __future__ import annotations

from fanout.cost.estimate import CostEstimate, CostLine, Variant, accrued_cost, kpus, monthly_estimate
from fanout.cost.inputs import CostInputs, StreamSpec, inputs_from_template
from fanout.cost.prices import HOURS_PER_MONTH, SOURCES, Prices
from fanout.cost.schedule import windows_per_month
from fanout.cost.statemachine import transitions

__all__ = [
    "HOURS_PER_MONTH",
    "SOURCES",
    "CostEstimate",
    "CostInputs",
    "CostLine",
    "Prices",
    "StreamSpec",
    "Variant",
    "accrued_cost",
    "inputs_from_template",
    "kpus",
    "monthly_estimate",
    "transitions",
    "windows_per_month",
]
