"""Working-day arithmetic for reply deadlines (no Django here)."""

from collections.abc import Collection
from datetime import date, timedelta


def is_working_day(
    day: date, *, holidays: Collection[date], extra_workdays: Collection[date]
) -> bool:
    """A weekday that is not a holiday, or a weekend day made a working day (调休)."""
    if day in extra_workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def add_working_days(
    start: date,
    days: int,
    *,
    holidays: Collection[date] = (),
    extra_workdays: Collection[date] = (),
) -> date:
    """The date `days` working days after `start` (start itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, holidays=holidays, extra_workdays=extra_workdays):
            remaining -= 1
    return current


def working_days_between(
    start: date,
    end: date,
    *,
    holidays: Collection[date] = (),
    extra_workdays: Collection[date] = (),
) -> int:
    """Working days after `start` up to and including `end`; negative if end < start."""
    if end < start:
        return -working_days_between(
            end, start, holidays=holidays, extra_workdays=extra_workdays
        )
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays=holidays, extra_workdays=extra_workdays):
            count += 1
    return count
