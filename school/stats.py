"""Study statistics aggregated in SQL: per member, per 党组织 (rolled up the tree), per course."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    QuerySet,
    Subquery,
    Sum,
    Value,
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


def _scope_ids(organizations: QuerySet[Organization]) -> list[int]:
    return list(organizations.values_list("pk", flat=True))


def _hours_join(year: int) -> tuple[str, list]:
    """Per-member 学时 of the year as a derived table: one pass over completions."""
    table = CourseCompletion._meta.db_table
    return (
        f"LEFT JOIN (SELECT member_id, SUM(credit_hours) AS hours FROM {table} "  # noqa: S608
        "WHERE year = %s GROUP BY member_id) h ON h.member_id = m.id",
        [year],
    )


def _target_sql() -> tuple[str, list]:
    return (
        "(CASE WHEN m.party_post LIKE %s THEN %s ELSE %s END)",
        [
            "%书记%",
            settings.PORTAL_SCHOOL_SECRETARY_YEARLY_TARGET,
            settings.PORTAL_SCHOOL_YEARLY_TARGET,
        ],
    )


def _studied_sql(year: int) -> tuple[str, list]:
    table = StudyDay._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {table} d WHERE d.member_id = m.id "  # noqa: S608
        "AND d.day >= %s AND d.day <= %s)",
        [datetime.date(year, 1, 1), datetime.date(year, 12, 31)],
    )


def _in_list(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids)) or "NULL"


@contextmanager
def _report_cursor():
    """A cursor for one-pass report queries; PostgreSQL's JIT only adds compile time."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        yield cursor


def _direct_rows(org_ids: list[int], year: int) -> list[dict]:
    """Totals per organisation of its own members, aggregated in one SQL statement."""
    rules = settings.PORTAL_SCHOOL_APPRAISAL
    join, join_params = _hours_join(year)
    target, target_params = _target_sql()
    studied, studied_params = _studied_sql(year)
    hours = "COALESCE(h.hours, 0)"
    sql = (
        "SELECT m.organization_id, COUNT(*), "  # noqa: S608
        f"SUM(CASE WHEN {studied} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {hours} >= {target} * %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {hours} >= {target} * %s THEN 1 ELSE 0 END), "
        f"SUM({hours}) "
        f"FROM {Member._meta.db_table} m {join} "
        f"WHERE m.organization_id IN ({_in_list(org_ids)}) GROUP BY m.organization_id"
    )
    params = [
        *studied_params,
        *target_params,
        rules["member_qualified_ratio"],
        *target_params,
        rules["member_excellent_ratio"],
        *join_params,
        *org_ids,
    ]
    with _report_cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {
                "organization_id": org_id,
                "n": n,
                "participants": participants or 0,
                "reached": reached or 0,
                "excellent": excellent or 0,
                "hours_sum": Decimal(str(total or 0)),
            }
            for org_id, n, participants, reached, excellent, total in cursor.fetchall()
        ]


def organization_report(
    organizations: QuerySet[Organization], year: int
) -> list[OrgRow]:
    """One row per organisation in scope, each totalling its subtree; tree order."""
    orgs = list(organizations.order_by("path"))
    if not orgs:
        return []
    rows = {org.path: OrgRow(org) for org in orgs}
    org_ids = [org.pk for org in orgs]
    direct = _direct_rows(org_ids, year)
    required_done = dict(
        CourseCompletion.objects.filter(
            year=year,
            course__kind=CoursePage.Kind.REQUIRED,
            member__organization_id__in=org_ids,
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
            row.total_hours += item["hours_sum"]
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


@dataclass
class RankedMember:
    """A member's line in the ranking: 学时 of the year, target, whether they studied."""

    member: Member
    hours: Decimal
    target: int
    studied: bool

    @property
    def appraisal(self) -> str:
        return member_appraisal(self.hours, self.target)


class MemberRanking:
    """Members in scope ordered by 学时 (most first); slicing runs one SQL query.

    Behaves like a sequence so Django's Paginator can page it.
    """

    def __init__(self, organizations: QuerySet[Organization], year: int):
        self.org_ids = _scope_ids(organizations)
        self.year = year

    def count(self) -> int:
        return Member.objects.filter(organization_id__in=self.org_ids).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        return self.rows(limit=None if stop is None else stop - start, offset=start)

    def rows(self, *, limit: int | None = None, offset: int = 0) -> list[RankedMember]:
        join, join_params = _hours_join(self.year)
        sql = (
            "SELECT m.id, COALESCE(h.hours, 0) AS hours "  # noqa: S608
            f"FROM {Member._meta.db_table} m {join} "
            f"WHERE m.organization_id IN ({_in_list(self.org_ids)}) "
            "ORDER BY hours DESC, m.id"
        )
        params = [*join_params, *self.org_ids]
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        with _report_cursor() as cursor:
            cursor.execute(sql, params)
            ranked = cursor.fetchall()
        ids = [member_id for member_id, _ in ranked]
        members = Member.objects.select_related("organization").in_bulk(ids)
        studied = set(
            StudyDay.objects.filter(
                member_id__in=ids,
                day__gte=datetime.date(self.year, 1, 1),
                day__lte=datetime.date(self.year, 12, 31),
            )
            .values_list("member_id", flat=True)
            .distinct()
        )
        return [
            RankedMember(
                member=members[member_id],
                hours=Decimal(str(hours)).quantize(Decimal("0.01")),
                target=yearly_target(members[member_id]),
                studied=member_id in studied,
            )
            for member_id, hours in ranked
        ]

    def iterate(self, chunk: int = 2000):
        """Every member in scope, in chunks (for exports)."""
        total = self.count()
        for offset in range(0, total, chunk):
            yield from self.rows(limit=chunk, offset=offset)


def member_ranking(organizations: QuerySet[Organization], year: int) -> MemberRanking:
    """Members in scope with their 学时 of the year, for ranking and export."""
    return MemberRanking(organizations, year)
