"""每日答题: five questions a day per member, marked one by one, and a streak.

A day's set is an attempt of the one 每日答题 exam (an Exam of kind ``daily``, made on
first use; staff may change its draw rules, its 说明 or close it in 测验与考试), so the
draw, the copy of each question as asked, the checks of a response and the grading are
the exams' own (``services.start_attempt``, ``services.answer_and_mark``). What is
particular to it:

* the day is Asia/Shanghai's (``PORTAL_EXAMS_DAILY_TIMEZONE``), whatever the server's
  zone; a set's deadline is the end of its day, and a set left unfinished is graded
  from what was answered when the member next comes;
* one set per member and day is a database constraint (``exams_daily_once``);
* a question the member answered correctly in the last 30 days (in any quiz, exam,
  contest or daily set) is not drawn again; when the bank has fewer fresh questions
  the set is shorter, and empty sets are refused with a message;
* the streak is the number of consecutive days, up to today (or yesterday, while
  today's set is not finished), on which the member answered every question of the
  day's set.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import Member

from . import services
from .models import Attempt, AttemptAnswer, DailySet, Exam, ExamRule

DEFAULT_COUNT = 5
NO_REPEAT_DAYS = 30
TITLE = "每日答题"


def zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "PORTAL_EXAMS_DAILY_TIMEZONE", "Asia/Shanghai"))


def local_day(now=None) -> datetime.date:
    """The calendar day in Asia/Shanghai of ``now`` (an aware datetime)."""
    return (now or timezone.now()).astimezone(zone()).date()


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in Asia/Shanghai, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone())


def daily_exam() -> Exam:
    """The 每日答题 exam, made with one rule (any five active questions) if missing."""
    exam = Exam.objects.filter(kind=Exam.Kind.DAILY).first()
    if exam is not None:
        return exam
    try:
        with transaction.atomic():
            exam = Exam.objects.create(
                title=TITLE,
                kind=Exam.Kind.DAILY,
                intro="每天从题库中抽取 5 道题，每答一题立即显示对错和解析。"
                "近 30 天内答对过的题目不会再出现。",
                mode=Exam.Mode.RULES,
                time_limit_minutes=10,
                max_attempts=0,
                pass_score=60,
                show_explanations=True,
            )
            ExamRule.objects.create(exam=exam, count=DEFAULT_COUNT)
    except IntegrityError:  # made by a request at the same moment
        exam = Exam.objects.get(kind=Exam.Kind.DAILY)
    return exam


def recently_correct(member: Member, day: datetime.date) -> set[int]:
    """Questions the member answered correctly in the 30 days before ``day``'s end."""
    since = day_start(day) - datetime.timedelta(days=NO_REPEAT_DAYS)
    return set(
        AttemptAnswer.objects.filter(
            attempt__member=member,
            correct=True,
            saved_at__gte=since,
            question__isnull=False,
        ).values_list("question_id", flat=True)
    )


def today_set(member: Member, *, now=None) -> DailySet | None:
    """The member's set of today, if started."""
    now = now or timezone.now()
    return (
        DailySet.objects.select_related("attempt", "attempt__exam")
        .filter(member=member, day=local_day(now))
        .first()
    )


def _close_earlier(member: Member, exam: Exam, day: datetime.date) -> None:
    """Grade a set of an earlier day still open: its deadline (the end of its day) has
    passed, but in the first seconds after midnight its grace has not run out yet, so
    it is closed explicitly. Today's sets (deadline tomorrow) are never touched."""
    stale = Attempt.objects.open().filter(
        exam=exam, member=member, deadline__lte=day_start(day)
    )
    for attempt in stale:
        services.finish_if_overdue(
            attempt,
            now=attempt.deadline + services.grace() + datetime.timedelta(seconds=1),
        )


def start_today(member: Member, *, now=None, rng=None) -> DailySet:
    """Today's set of the member, drawn now if it does not exist yet.

    Of two requests at the same moment one creates the attempt and the set; the
    other gets the same attempt (one open attempt per exam and member) and then the
    same set (one set per member and day)."""
    now = now or timezone.now()
    day = local_day(now)
    existing = today_set(member, now=now)
    if existing is not None:
        return existing
    exam = daily_exam()
    if not exam.is_active:
        raise services.ExamError("每日答题暂未开放。", status=403)
    _close_earlier(member, exam, day)
    attempt = services.start_attempt(
        exam,
        member,
        now=now,
        exclude=recently_correct(member, day),
        deadline=day_start(day + datetime.timedelta(days=1)),
        rng=rng,
    )
    try:
        with transaction.atomic():
            return DailySet.objects.create(member=member, day=day, attempt=attempt)
    except IntegrityError:
        found = today_set(member, now=now)
        if found is None:
            raise services.ExamError(
                "请求过于频繁，请刷新页面后重试。", status=409
            ) from None
        return found


def finished_days(member: Member, *, until: datetime.date, limit: int = 3660):
    """Days up to ``until`` on which the member answered every question of the set."""
    return list(
        DailySet.objects.filter(
            member=member,
            day__lte=until,
            attempt__submitted_at__isnull=False,
            attempt__timed_out=False,
        )
        .order_by("-day")
        .values_list("day", flat=True)[:limit]
    )


def streak(member: Member, *, now=None) -> int:
    """Consecutive days answered, ending today or (today not finished yet) yesterday."""
    today = local_day(now)
    days = finished_days(member, until=today)
    if not days:
        return 0
    expected = today if days[0] == today else today - datetime.timedelta(days=1)
    count = 0
    for day in days:
        if day != expected:
            break
        count += 1
        expected -= datetime.timedelta(days=1)
    return count


@dataclass(frozen=True)
class Summary:
    """What the page and /me/ show: today's set (or None), progress and streak."""

    daily_set: DailySet | None
    answered: int
    correct: int
    total: int
    streak: int
    finished: bool
    open: bool  # the 每日答题 exam is open to new sets

    @property
    def started(self) -> bool:
        return self.daily_set is not None


def summary(member: Member, *, now=None) -> Summary:
    now = now or timezone.now()
    current = today_set(member, now=now)
    answered = correct = total = 0
    if current is not None:
        answers = list(current.attempt.answers.values_list("saved_at", "correct"))
        total = len(answers)
        answered = sum(1 for saved, _ in answers if saved is not None)
        correct = sum(1 for saved, ok in answers if saved is not None and ok)
    exam = Exam.objects.filter(kind=Exam.Kind.DAILY).first()
    return Summary(
        daily_set=current,
        answered=answered,
        correct=correct,
        total=total,
        streak=streak(member, now=now),
        finished=current is not None and not current.attempt.is_open,
        open=exam is None or exam.is_active,
    )
