"""Reply deadlines in working days (the calendar staff keep) and the overdue flags."""

from datetime import date

from django.conf import settings

from ..models import (
    OPEN_STATUSES,
    CalendarDay,
    Letter,
)
from ..workdays import add_working_days, working_days_between


def working_calendar() -> dict:
    """Holidays and 调休 workdays as keyword arguments for mailbox.workdays."""
    return {
        "holidays": CalendarDay.objects.holidays(),
        "extra_workdays": CalendarDay.objects.extra_workdays(),
    }


def due_date_for(start: date, working_days: int) -> date:
    """The reply deadline: `working_days` working days after `start`."""
    return add_working_days(start, working_days, **working_calendar())


def deadline_flag(letter: Letter, today: date, calendar: dict | None = None) -> str:
    """'overdue', 'due_soon' or '' for an open letter."""
    if letter.status not in OPEN_STATUSES:
        return ""
    if letter.due_date < today:
        return "overdue"
    left = working_days_between(today, letter.due_date, **(calendar or {}))
    if left <= settings.PORTAL_MAILBOX_REMIND_WORKING_DAYS:
        return "due_soon"
    return ""
