"""Errors of the cost estimate."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class CostError(FanoutError):
    """Base of the cost estimate's errors."""


class ScheduleExpressionError(CostError):
    """A schedule expression the estimate cannot count (a one-time `at(...)`, a malformed cron)."""


class CostInputError(CostError):
    """An input of the estimate is missing or out of range (a template parameter, a flag)."""


class StateMachineWalkError(CostError):
    """The lifecycle ASL could not be walked for the action (an unknown state, a loop that never ends)."""
