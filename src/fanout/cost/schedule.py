"""How often the schedule opens a run window: EventBridge Scheduler expressions counted over four years."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from fanout.cost.exceptions import ScheduleExpressionError
from fanout.cost.prices import HOURS_PER_MONTH

_SPAN_START = datetime(2024, 1, 1)
_SPAN_YEARS = 4  # one leap year included: the average month of the Gregorian calendar, near enough
_MAX_FIRINGS = 200_000
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.+)\)$", re.IGNORECASE)
_UNIT_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


def _dow(field: str) -> str:
    """EventBridge numbers days 1-7 from Sunday; cron (croniter) numbers them 0-6 from Sunday."""
    return re.sub(r"(?<![#\d])(\d)", lambda m: str(int(m.group(1)) - 1), field)


def _to_croniter(body: str) -> str:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(
            f"cron({body}) must have 6 fields (minutes hours day-of-month month day-of-week year)"
        )
    minute, hour, dom, month, dow, year = fields
    if year not in ("*", "?"):
        raise ScheduleExpressionError(f"cron({body}): a year field other than * is not counted; pass --days-per-month")
    return " ".join([minute, hour, "*" if dom == "?" else dom, month, "*" if dow == "?" else _dow(dow)])


def windows_per_month(expression: str, timezone: str = "UTC") -> float:
    """Average number of times `expression` fires per month (730 h), in `timezone`.

    >>> round(windows_per_month("cron(0 9 ? * MON-FRI *)"), 2)
    21.77
    """
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        every_hours = int(rate.group(1)) * _UNIT_HOURS[rate.group(2).lower().rstrip("s")]
        if every_hours <= 0:
            raise ScheduleExpressionError(f"{expression}: the rate must be positive")
        return HOURS_PER_MONTH / every_hours
    cron = _CRON.match(expression)
    if not cron:
        raise ScheduleExpressionError(
            f"cannot count {expression!r}: only cron(...) and rate(...) repeat; pass --days-per-month"
        )
    spec = _to_croniter(cron.group(1))
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleExpressionError(f"unknown time zone {timezone!r}") from exc
    start = _SPAN_START.replace(tzinfo=zone)
    end = start.replace(year=start.year + _SPAN_YEARS)
    try:
        it = croniter(spec, start - timedelta(seconds=1))
    except (ValueError, KeyError) as exc:
        raise ScheduleExpressionError(f"malformed schedule {expression!r}: {exc}") from exc
    count = 0
    while it.get_next(datetime) < end:
        count += 1
        if count > _MAX_FIRINGS:
            raise ScheduleExpressionError(f"{expression!r} fires too often to be a run window schedule")
    return count / (12 * _SPAN_YEARS)
