"""What the party school tells members through notifications.notify(): a required
course was assigned to them, its deadline is 7 days away, it is overdue.

Only members reached by the assignment who have not completed the course are told,
each once per assignment (and deadline, for the reminders: a moved deadline is
announced again). Titles name the course and the deadline, nothing else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils import timezone

from notifications import kinds
from notifications.service import notify

from .models import CourseAssignment
from .required import DUE_SOON_DAYS, live_assignments, members_pending

KINDS = {
    "course_assigned": "必修课程指派",
    "course_due_soon": "必修课程即将截止",
    "course_overdue": "必修课程已逾期",
}
# Overdue notices go out for deadlines this many days back at most (a scheduler that
# was down longer does not flood members with old news).
OVERDUE_LOOKBACK_DAYS = 30
BATCH = 500


def register_kinds() -> None:
    for key, label in KINDS.items():
        kinds.register(key, label)


def _pending_user_ids(assignment: CourseAssignment) -> Iterator[list[int]]:
    ids = list(
        members_pending(assignment)
        .filter(user__is_active=True)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _course_url(assignment: CourseAssignment) -> str:
    return assignment.course.get_url() or ""


def _date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _send(assignment: CourseAssignment, kind: str, title: str, body: str, key: str):
    sent = 0
    for user_ids in _pending_user_ids(assignment):
        sent += len(
            notify(
                user_ids,
                kind,
                title=title,
                body=body,
                url=_course_url(assignment),
                dedupe_key=key,
            )
        )
    return sent


def announce_assignment(assignment_id: int) -> int:
    """Tell the members who have not completed the course that it is required of
    them; returns how many were told (0 for a withdrawn or unpublished course)."""
    assignment = (
        live_assignments().select_related("course").filter(pk=assignment_id).first()
    )
    if assignment is None or assignment.is_past_deadline:
        return 0
    body = f"请在{_date(assignment.deadline)}（含）之前学完。"
    if assignment.note:
        body += assignment.note
    return _send(
        assignment,
        "course_assigned",
        f"必修课程：{assignment.course.title}",
        body,
        f"course_assigned:{assignment.pk}",
    )


def send_deadline_reminders(today: datetime.date | None = None) -> tuple[int, int]:
    """Remind members 7 days (or fewer) before a deadline and tell them once it has
    passed; safe to run as often as wanted. Returns (reminded, overdue) counts."""
    today = today or timezone.localdate()
    reminded = overdue = 0
    soon = (
        live_assignments()
        .select_related("course")
        .filter(
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
    )
    for assignment in soon:
        days = (assignment.deadline - today).days
        when = "今天" if days == 0 else f"还有 {days} 天"
        reminded += _send(
            assignment,
            "course_due_soon",
            f"必修课程{when}截止：{assignment.course.title}",
            f"截止日期为{_date(assignment.deadline)}，请抓紧学完。",
            f"course_due_soon:{assignment.pk}:{assignment.deadline:%Y%m%d}",
        )
    late = (
        live_assignments()
        .select_related("course")
        .filter(
            deadline__lt=today,
            deadline__gte=today - datetime.timedelta(days=OVERDUE_LOOKBACK_DAYS),
        )
    )
    for assignment in late:
        overdue += _send(
            assignment,
            "course_overdue",
            f"必修课程已逾期：{assignment.course.title}",
            f"截止日期{_date(assignment.deadline)}已过，请尽快补学。",
            f"course_overdue:{assignment.pk}:{assignment.deadline:%Y%m%d}",
        )
    return reminded, overdue
