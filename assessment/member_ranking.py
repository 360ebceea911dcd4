"""网上考核's member ranking: each member of an assessed organisation scored from their
own records in the plan's period, ranked, and placed in 先进 / 合格 / 不合格 党员.

Four parts, each a percentage, weighted by the plan:

* 学习: 学时 earned in the period (course completions, school) against the member's
  yearly target (school.stats.yearly_targets) prorated to the period's days;
* 考试: the average of the member's best score per quiz, course exam and contest
  submitted in the period (0 for a member who took none);
* 每日答题: days with a 每日答题 set in the period up to today, per elapsed day;
* 民主评议: the year's confirmed outcome (evaluation.outcomes), 优秀 100 … 不合格 0.

A part that nobody in a target organisation has a record of (no exam taken, no closed
评议 round, no daily set) does not apply to that organisation's members: its weight is
left out rather than counting everyone 0. A member rated 不合格 in 民主评议 is a
不合格党员 whatever the total.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from evaluation.outcomes import GRADE_LABELS, confirmed_outcomes
from members.models import Member

from .models import AssessmentPlan, MemberBand, MemberResult, Report

EVALUATION_POINTS = {
    "excellent": Decimal("100"),
    "qualified": Decimal("80"),
    "basic": Decimal("60"),
    "unqualified": Decimal("0"),
}
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")
PARTS = ("study", "exam", "daily", "evaluation")


def _pct(value: Decimal) -> Decimal:
    return min(Decimal("100"), value).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class MemberRow:
    """One member's line: each part (None: not applicable), total, rank, band."""

    member_id: int | None
    member_name: str
    organization_name: str
    report_id: int
    hours: Decimal
    target_hours: Decimal
    study: Decimal | None
    exams_taken: int
    exam: Decimal | None
    daily_days: int
    daily: Decimal | None
    evaluation_grade: str
    evaluation: Decimal | None
    percent: Decimal = Decimal("0")
    rank: int = 0
    band: str = MemberBand.UNQUALIFIED

    @property
    def band_label(self) -> str:
        return MemberBand(self.band).label

    @property
    def evaluation_label(self) -> str:
        return GRADE_LABELS.get(self.evaluation_grade, "")


def _period_share(plan: AssessmentPlan) -> Decimal:
    """The period's days as a share of its year's (a year plan: 1)."""
    start, end = plan.period_start, plan.period_end
    year_days = (
        datetime.date(start.year, 12, 31) - datetime.date(start.year, 1, 1)
    ).days + 1
    days = (end - start).days + 1
    return min(Decimal("1"), Decimal(days) / Decimal(year_days))


def _members_by_report(reports: list[Report]) -> dict[int, list[Member]]:
    """Members of each target (and of the organisations below it); a member under two
    nested targets counts with the nearer one."""
    if not reports:
        return {}
    query = Q()
    for report in reports:
        query |= Q(organization__path__startswith=report.organization.path)
    by_path = sorted(reports, key=lambda r: -len(r.organization.path))
    found: dict[int, list[Member]] = defaultdict(list)
    for member in (
        Member.objects.filter(query)
        .select_related("organization")
        .order_by("organization__path", "real_name", "pk")
    ):
        for report in by_path:
            if member.organization.path.startswith(report.organization.path):
                found[report.pk].append(member)
                break
    return found


def compute(
    plan: AssessmentPlan, reports: list[Report] | None = None
) -> list[MemberRow]:
    """The members of the given reports (default: every report of the plan) scored and
    ranked among themselves; a handful of queries whatever the number of members."""
    from exams.models import Attempt, DailySet, Exam
    from school.models import CourseCompletion
    from school.stats import yearly_target, yearly_targets

    if reports is None:
        reports = list(plan.reports.select_related("organization"))
    grouped = _members_by_report(reports)
    ids = [m.pk for members in grouped.values() for m in members]
    start, end = plan.period_start, plan.period_end
    hours = dict(
        CourseCompletion.objects.filter(
            member_id__in=ids,
            completed_at__date__gte=start,
            completed_at__date__lte=end,
        )
        .values("member")
        .annotate(total=Sum("credit_hours"))
        .values_list("member", "total")
    )
    best: dict[int, list[int]] = defaultdict(list)
    for member_id, score in (
        Attempt.objects.filter(
            member_id__in=ids,
            exam__kind__in=[Exam.Kind.QUIZ, Exam.Kind.FINAL, Exam.Kind.CONTEST],
            submitted_at__date__gte=start,
            submitted_at__date__lte=end,
            score__isnull=False,
        )
        .values("member", "exam")
        .annotate(best=Max("score"))
        .values_list("member", "best")
    ):
        best[member_id].append(score)
    today = timezone.localdate()
    daily_end = min(end, today)
    elapsed = (daily_end - start).days + 1
    daily_days = dict(
        DailySet.objects.filter(member_id__in=ids, day__gte=start, day__lte=daily_end)
        .values("member")
        .annotate(n=Count("pk"))
        .values_list("member", "n")
    )
    grades = confirmed_outcomes(end.year, member_ids=ids)
    targets = yearly_targets()
    share = _period_share(plan)
    weights = {
        "study": plan.study_weight,
        "exam": plan.exam_weight,
        "daily": plan.daily_weight,
        "evaluation": plan.evaluation_weight,
    }

    rows: list[MemberRow] = []
    for report in reports:
        members = grouped.get(report.pk, [])
        pks = [m.pk for m in members]
        applies = {
            "exam": any(pk in best for pk in pks),
            "daily": elapsed > 0 and any(pk in daily_days for pk in pks),
            "evaluation": any(pk in grades for pk in pks),
        }
        for member in members:
            earned = Decimal(hours.get(member.pk) or 0).quantize(HUNDREDTH)
            target = (Decimal(yearly_target(member, targets)) * share).quantize(
                HUNDREDTH, rounding=ROUND_HALF_UP
            )
            scores = best.get(member.pk, [])
            grade = grades.get(member.pk, "")
            row = MemberRow(
                member_id=member.pk,
                member_name=member.real_name,
                organization_name=member.organization.name,
                report_id=report.pk,
                hours=earned,
                target_hours=target,
                study=_pct(earned * 100 / target) if target else None,
                exams_taken=len(scores),
                exam=_pct(Decimal(sum(scores)) / len(scores))
                if scores
                else (Decimal("0.0") if applies["exam"] else None),
                daily_days=daily_days.get(member.pk, 0),
                daily=_pct(Decimal(daily_days.get(member.pk, 0) * 100) / elapsed)
                if applies["daily"]
                else None,
                evaluation_grade=grade,
                evaluation=EVALUATION_POINTS[grade]
                if grade in EVALUATION_POINTS
                else (Decimal("0.0") if applies["evaluation"] else None),
            )
            row.percent = weighted(row, weights)
            row.band = (
                MemberBand.UNQUALIFIED
                if grade == "unqualified"
                else plan.member_band_for(row.percent)
            )
            rows.append(row)
    rank_rows(rows)
    return rows


def weighted(row: MemberRow, weights: dict[str, int]) -> Decimal:
    """Σ weight × part / Σ weight over the parts that apply (0 if none does)."""
    total = Decimal("0")
    weight_sum = 0
    for part in PARTS:
        value = getattr(row, part)
        if value is None or not weights[part]:
            continue
        total += value * weights[part]
        weight_sum += weights[part]
    if not weight_sum:
        return Decimal("0.0")
    return (total / weight_sum).quantize(TENTH, rounding=ROUND_HALF_UP)


def rank_rows(rows: list[MemberRow]) -> None:
    """Highest total first; equal totals share a rank (1, 1, 3)."""
    rows.sort(key=lambda r: (-r.percent, r.organization_name, r.member_name))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.percent != previous:
            rank, previous = position, row.percent
        row.rank = rank


def stored(plan: AssessmentPlan, report_ids=None) -> list[MemberRow]:
    """The ranking written at the close of the plan."""
    results = MemberResult.objects.filter(plan=plan)
    if report_ids is not None:
        results = results.filter(report_id__in=list(report_ids))
    fields = [f.name for f in MemberRow.__dataclass_fields__.values()]
    return [
        MemberRow(**{name: getattr(result, name) for name in fields})
        for result in results.order_by("rank", "organization_name", "member_name")
    ]


def for_plan(plan: AssessmentPlan, reports: list[Report]) -> list[MemberRow]:
    """The members of the given reports: stored once closed, live until then. Ranks
    are over the whole plan either way (a target's staff see their members' places
    among all)."""
    from .models import PlanStatus

    report_ids = {r.pk for r in reports}
    if plan.status == PlanStatus.CLOSED:
        return stored(plan, report_ids)
    return [row for row in compute(plan) if row.report_id in report_ids]


def save(plan: AssessmentPlan, rows: list[MemberRow]) -> None:
    """Write the close's ranking (replacing any earlier one)."""
    MemberResult.objects.filter(plan=plan).delete()
    fields = [f.name for f in MemberRow.__dataclass_fields__.values()]
    MemberResult.objects.bulk_create(
        [
            MemberResult(plan=plan, **{name: getattr(row, name) for name in fields})
            for row in rows
        ]
    )


def band_counts(rows: list[MemberRow]) -> dict[str, int]:
    counts = dict.fromkeys(MemberBand.values, 0)
    for row in rows:
        counts[row.band] += 1
    return counts
