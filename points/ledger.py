"""The facts each rule counts, and rebuilding a member's ledger from them.

A fact is (source, when, quantity, note). The source names the record it comes from
(``day:2026-12-01``, ``lesson:12``, ``exam:7``, ``course:3``), so it is the same every
time the facts are read. Under a rule, a member's facts of one day (Asia/Shanghai)
are taken in time order and earn ``points × quantity`` until the day's cap is used up;
the rest is kept with 0 points (shown as 已达每日上限).

Nothing here takes a number from the client: study seconds are school.StudyDay (the
server's heartbeat clock), lessons school.LessonProgress.completed_at, exams graded
exams.Attempt rows, 每日答题 the marked answers, required courses
school.CourseCompletion against school.CourseAssignment deadlines.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Min, Q

from exams.daily import day_start, local_day
from exams.models import Attempt, AttemptAnswer, DailySet, Exam
from members.models import Member
from school.models import CourseAssignment, CourseCompletion, LessonProgress, StudyDay

from .models import PointEntry, PointRule

STUDY_UNIT_SECONDS = 600

DEFAULT_RULES = [
    # code, points, daily cap
    (PointRule.Code.STUDY, 1, 6),
    (PointRule.Code.LESSON, 2, 10),
    (PointRule.Code.QUIZ, 3, 9),
    (PointRule.Code.FINAL, 10, 20),
    (PointRule.Code.CONTEST, 5, 10),
    (PointRule.Code.DAILY, 1, 5),
    (PointRule.Code.REQUIRED, 10, 0),
]


def ensure_rules() -> list[PointRule]:
    """The rules, with the defaults made for codes that have none (new databases)."""
    have = {rule.code: rule for rule in PointRule.objects.all()}
    for order, (code, points, cap) in enumerate(DEFAULT_RULES):
        if code not in have:
            have[code], _ = PointRule.objects.get_or_create(
                code=code,
                defaults={"points": points, "daily_cap": cap, "sort_order": order},
            )
    return sorted(have.values(), key=lambda r: (r.sort_order, r.pk))


@dataclass(frozen=True)
class Fact:
    source: str
    at: datetime.datetime
    quantity: int = 1
    note: str = ""


def _study(member: Member) -> list[Fact]:
    return [
        Fact(f"day:{day.isoformat()}", day_start(day), int(seconds // STUDY_UNIT_SECONDS),
             f"学习 {int(seconds // 60)} 分钟")
        for day, seconds in StudyDay.objects.filter(member=member).values_list(
            "day", "seconds"
        )
        if seconds >= STUDY_UNIT_SECONDS
    ]  # fmt: skip


def _lessons(member: Member) -> list[Fact]:
    rows = LessonProgress.objects.filter(
        member=member, completed_at__isnull=False
    ).values_list("lesson_id", "completed_at", "lesson__title")
    return [Fact(f"lesson:{pk}", at, 1, title[:200]) for pk, at, title in rows]


def _first_attempts(member: Member, kind: str, *, passed: bool) -> list[Fact]:
    """One fact per exam of the kind: the first graded (or passing) attempt."""
    attempts = Attempt.objects.filter(
        member=member, exam__kind=kind, submitted_at__isnull=False
    )
    if passed:
        attempts = attempts.filter(passed=True)
    rows = attempts.values("exam_id", "exam__title").annotate(at=Min("submitted_at"))
    return [
        Fact(f"exam:{row['exam_id']}", row["at"], 1, row["exam__title"][:200])
        for row in rows
    ]


def _daily(member: Member) -> list[Fact]:
    counts = dict(
        AttemptAnswer.objects.filter(
            attempt__daily_set__member=member, correct=True, saved_at__isnull=False
        )
        .values("attempt__daily_set__day")
        .annotate(n=Count("pk"))
        .values_list("attempt__daily_set__day", "n")
    )
    return [
        Fact(f"day:{day.isoformat()}", at, counts[day], f"答对 {counts[day]} 题")
        for day, at in DailySet.objects.filter(member=member, day__in=list(counts))
        .annotate(at=Min("attempt__answers__saved_at"))
        .values_list("day", "at")
    ]


def _required(member: Member) -> list[Fact]:
    if member.organization_id is None:
        return []
    deadlines: dict[int, datetime.date] = {}
    for course_id, deadline in CourseAssignment.objects.for_organization(
        member.organization
    ).values_list("course_id", "deadline"):
        deadlines[course_id] = max(deadline, deadlines.get(course_id, deadline))
    facts = []
    for course_id, at, title in CourseCompletion.objects.filter(
        member=member, course_id__in=list(deadlines)
    ).values_list("course_id", "completed_at", "course__title"):
        if local_day(at) <= deadlines[course_id]:
            facts.append(Fact(f"course:{course_id}", at, 1, title[:200]))
    return facts


FACTS = {
    PointRule.Code.STUDY: _study,
    PointRule.Code.LESSON: _lessons,
    PointRule.Code.QUIZ: lambda m: _first_attempts(m, Exam.Kind.QUIZ, passed=True),
    PointRule.Code.FINAL: lambda m: _first_attempts(m, Exam.Kind.FINAL, passed=True),
    PointRule.Code.CONTEST: lambda m: _first_attempts(
        m, Exam.Kind.CONTEST, passed=False
    ),
    PointRule.Code.DAILY: _daily,
    PointRule.Code.REQUIRED: _required,
}


def entries_for(member: Member, rule: PointRule) -> list[PointEntry]:
    """What the ledger should hold for the member under the rule (unsaved)."""
    if not rule.is_active:
        return []
    used: dict[datetime.date, int] = defaultdict(int)
    entries = []
    for fact in sorted(FACTS[rule.code](member), key=lambda f: (f.at, f.source)):
        day = local_day(fact.at)
        earned = fact.quantity * rule.points
        if rule.daily_cap:
            allowed = max(0, min(earned, rule.daily_cap - used[day]))
        else:
            allowed = earned
        used[day] += allowed
        entries.append(
            PointEntry(
                member=member, rule=rule, source=fact.source, day=day,
                occurred_at=fact.at, quantity=fact.quantity, points=allowed,
                capped=allowed < earned, note=fact.note,
            )
        )  # fmt: skip
    return entries


FIELDS = ("day", "occurred_at", "quantity", "points", "capped", "note")


def recompute(member: Member | int) -> int:
    """Make the member's ledger match the facts; returns how many rows changed."""
    member_id = member if isinstance(member, int) else member.pk
    rules = ensure_rules()
    changed = 0
    with transaction.atomic():
        # One recompute of a member at a time (the member's row is the lock).
        member = Member.objects.select_for_update().get(pk=member_id)
        wanted = {
            (entry.rule_id, entry.source): entry
            for rule in rules
            for entry in entries_for(member, rule)
        }
        existing = {
            (entry.rule_id, entry.source): entry
            for entry in PointEntry.objects.filter(member=member)
        }
        stale = [e.pk for key, e in existing.items() if key not in wanted]
        if stale:
            PointEntry.objects.filter(pk__in=stale).delete()
            changed += len(stale)
        new, updated = [], []
        for key, entry in wanted.items():
            old = existing.get(key)
            if old is None:
                new.append(entry)
            elif any(getattr(old, f) != getattr(entry, f) for f in FIELDS):
                for f in FIELDS:
                    setattr(old, f, getattr(entry, f))
                updated.append(old)
        PointEntry.objects.bulk_create(new)
        PointEntry.objects.bulk_update(updated, FIELDS)
        changed += len(new) + len(updated)
    return changed


def members_with_facts(since: datetime.date | None = None):
    """Ids of members with any fact (on or after ``since``) or any entry."""
    ids: set[int] = set()
    day_filter = Q(day__gte=since) if since else Q()
    ids |= set(StudyDay.objects.filter(day_filter).values_list("member_id", flat=True))
    at = day_start(since) if since else None
    lessons = LessonProgress.objects.filter(completed_at__isnull=False)
    attempts = Attempt.objects.filter(submitted_at__isnull=False)
    answers = AttemptAnswer.objects.filter(saved_at__isnull=False)
    completions = CourseCompletion.objects.all()
    if at:
        lessons = lessons.filter(completed_at__gte=at)
        attempts = attempts.filter(submitted_at__gte=at)
        answers = answers.filter(saved_at__gte=at)
        completions = completions.filter(completed_at__gte=at)
    ids |= set(lessons.values_list("member_id", flat=True))
    ids |= set(attempts.values_list("member_id", flat=True))
    ids |= set(answers.values_list("attempt__member_id", flat=True))
    ids |= set(completions.values_list("member_id", flat=True))
    if since is None:
        ids |= set(PointEntry.objects.values_list("member_id", flat=True))
    return sorted(ids)


def recompute_all(since: datetime.date | None = None) -> tuple[int, int]:
    """(members recomputed, rows changed)."""
    members = members_with_facts(since)
    return len(members), sum(recompute(member_id) for member_id in members)
