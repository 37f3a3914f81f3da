"""A benchmark target: what was measured against what the issue asks, met or not."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One row of the targets table."""

    what: str
    measured: str
    goal: str
    met: bool | None  # None: not measured in this run (the reason is in ``measured``)
