"""Study statistics aggregated in SQL: per member, per 党组织 (rolled up the tree), per course."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from members.models import Member, Organization

from .models import CourseCompletion, CoursePage, StudyDay

EXCELLENT, QUALIFIED, UNQUALIFIED = "先进", "合格", "不合格"
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=8, decimal_places=2))


def yearly_target(member: Member) -> int:
    """The member's 学时 target for a year (branch secretaries have a higher one)."""
    if member.is_branch_secretary:
        return settings.PORTAL_SCHOOL_SECRETARY_YEARLY_TARGET
    return settings.PORTAL_SCHOOL_YEARLY_TARGET


def target_expression() -> Case:
    """The same rule as yearly_target, in SQL."""
    return Case(
        When(
            party_post__contains="书记",
            then=Value(settings.PORTAL_SCHOOL_SECRETARY_YEARLY_TARGET),
        ),
        default=Value(settings.PORTAL_SCHOOL_YEARLY_TARGET),
        output_field=IntegerField(),
    )


def member_appraisal(hours: Decimal | float, target: int) -> str:
    """先进 / 合格 / 不合格 for a member by the share of the target reached."""
    rules = settings.PORTAL_SCHOOL_APPRAISAL
    if target and float(hours) >= target * rules["member_excellent_ratio"]:
        return EXCELLENT
    if float(hours) >= target * rules["member_qualified_ratio"]:
        return QUALIFIED
    return UNQUALIFIED


def branch_appraisal(reached_rate: float) -> str:
    """先进 / 合格 / 不合格 for a 党组织 by the share of its members who reached target."""
    rules = settings.PORTAL_SCHOOL_APPRAISAL
    if reached_rate >= rules["branch_excellent_rate"]:
        return EXCELLENT
    if reached_rate >= rules["branch_qualified_rate"]:
        return QUALIFIED
    return UNQUALIFIED


@dataclass
class YearSummary:
    """One member's year: 学时 earned against target, minutes studied."""

    year: int
    hours: Decimal
    target: int
    minutes: int
    courses: int

    @property
    def percent(self) -> int:
        return min(100, int(self.hours * 100 / self.target)) if self.target else 100

    @property
    def remaining(self) -> Decimal:
        return max(Decimal("0"), Decimal(self.target) - self.hours)

    @property
    def appraisal(self) -> str:
        return member_appraisal(self.hours, self.target)


def member_year_summary(member: Member, year: int) -> YearSummary:
    """学时 and study time of one member in one year."""
    credits = CourseCompletion.objects.filter(member=member, year=year).aggregate(
        hours=Coalesce(Sum("credit_hours"), ZERO), courses=Count("pk")
    )
    seconds = (
        StudyDay.objects.filter(
            member=member,
            day__gte=datetime.date(year, 1, 1),
            day__lte=datetime.date(year, 12, 31),
        ).aggregate(total=Sum("seconds"))["total"]
        or 0
    )
    return YearSummary(
        year=year,
        hours=credits["hours"],
        target=yearly_target(member),
        minutes=round(seconds / 60),
        courses=credits["courses"],
    )


def members_with_hours(members: QuerySet[Member], year: int) -> QuerySet[Member]:
    """Annotate hours (学时 of the year), target and whether the member studied at all."""
    hours = (
        CourseCompletion.objects.filter(member=OuterRef("pk"), year=year)
        .values("member")
        .annotate(total=Sum("credit_hours"))
        .values("total")
    )
    studied = StudyDay.objects.filter(
        member=OuterRef("pk"),
        day__gte=datetime.date(year, 1, 1),
        day__lte=datetime.date(year, 12, 31),
    )
    return members.annotate(
        hours=Coalesce(Subquery(hours), ZERO),
        target=target_expression(),
        studied=Exists(studied),
    )


@dataclass
class OrgRow:
    """Totals of one 党组织 including everything below it."""

    organization: Organization
    members: int = 0
    participants: int = 0
    reached: int = 0
    excellent: int = 0
    total_hours: Decimal = Decimal("0")
    required_done: int = 0
    required_due: int = 0
    children: list = field(default_factory=list)

    @property
    def below_target(self) -> int:
        return self.members - self.reached

    @property
    def participation_rate(self) -> float:
        return self.participants / self.members if self.members else 0.0

    @property
    def reached_rate(self) -> float:
        return self.reached / self.members if self.members else 0.0

    @property
    def completion_rate(self) -> float:
        return self.required_done / self.required_due if self.required_due else 0.0

    @property
    def average_hours(self) -> Decimal:
        if not self.members:
            return Decimal("0")
        return (self.total_hours / self.members).quantize(Decimal("0.01"))

    @property
    def appraisal(self) -> str:
        return branch_appraisal(self.reached_rate) if self.members else ""


def organization_report(
    organizations: QuerySet[Organization], year: int
) -> list[OrgRow]:
    """One row per organisation in scope, each totalling its subtree; tree order."""
    orgs = list(organizations.order_by("path"))
    if not orgs:
        return []
    rows = {org.path: OrgRow(org) for org in orgs}
    rules = settings.PORTAL_SCHOOL_APPRAISAL
    members = members_with_hours(
        Member.objects.filter(organization_id__in=Subquery(organizations.values("pk"))),
        year,
    )
    direct = members.values("organization_id").annotate(
        n=Count("pk"),
        participants=Count("pk", filter=Q(studied=True)),
        reached=Count(
            "pk", filter=Q(hours__gte=F("target") * rules["member_qualified_ratio"])
        ),
        excellent=Count(
            "pk", filter=Q(hours__gte=F("target") * rules["member_excellent_ratio"])
        ),
        hours_sum=Sum("hours"),
    )
    required_done = dict(
        CourseCompletion.objects.filter(
            year=year,
            course__kind=CoursePage.Kind.REQUIRED,
            member__organization_id__in=Subquery(organizations.values("pk")),
        )
        .values("member__organization_id")
        .annotate(n=Count("pk"))
        .values_list("member__organization_id", "n")
    )
    path_by_id = {org.pk: org.path for org in orgs}
    required = _required_courses_by_org(orgs)
    step = Organization.steplen
    for item in direct:
        path = path_by_id.get(item["organization_id"])
        if path is None:
            continue
        due = item["n"] * required.get(path, 0)
        done = required_done.get(item["organization_id"], 0)
        for depth in range(step, len(path) + 1, step):
            row = rows.get(path[:depth])
            if row is None:
                continue
            row.members += item["n"]
            row.participants += item["participants"]
            row.reached += item["reached"]
            row.excellent += item["excellent"]
            row.total_hours += item["hours_sum"] or Decimal("0")
            row.required_done += done
            row.required_due += due
    return [rows[org.path] for org in orgs]


def _required_courses_by_org(orgs: list[Organization]) -> dict[str, int]:
    """How many live required courses apply to members of each organisation."""
    courses = list(
        CoursePage.objects.live()
        .filter(kind=CoursePage.Kind.REQUIRED)
        .prefetch_related("audience_organizations")
        .only("pk", "audience_all")
    )
    everyone = sum(1 for course in courses if course.audience_all)
    targeted = [
        [org.path for org in course.audience_organizations.all()]
        for course in courses
        if not course.audience_all
    ]
    return {
        org.path: everyone
        + sum(1 for paths in targeted if any(org.path.startswith(p) for p in paths))
        for org in orgs
    }


def course_report(organizations: QuerySet[Organization], year: int) -> list[dict]:
    """Completions of each course this year by members in scope, most completed first."""
    counts = dict(
        CourseCompletion.objects.filter(
            year=year, member__organization_id__in=Subquery(organizations.values("pk"))
        )
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    courses = CoursePage.objects.live().only("pk", "title", "kind").order_by("path")
    rows = [
        {"course": course, "completions": counts.get(course.pk, 0)}
        for course in courses
    ]
    rows.sort(key=lambda row: -row["completions"])
    return rows


def member_ranking(
    organizations: QuerySet[Organization], year: int, *, order: str = "-hours"
) -> QuerySet[Member]:
    """Members in scope with their 学时 of the year, for ranking and export."""
    members = Member.objects.filter(
        organization_id__in=Subquery(organizations.values("pk"))
    ).select_related("organization")
    return members_with_hours(members, year).order_by(order, "pk")
