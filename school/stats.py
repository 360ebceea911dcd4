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
    Exists,
    OuterRef,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from members.models import Member, Organization

from .models import CourseCompletion, CoursePage, CourseYearCount, StudyDay, StudyYear

EXCELLENT, QUALIFIED, UNQUALIFIED = "先进", "合格", "不合格"
# Member.is_branch_secretary in SQL.
SECRETARY_LIKE = "%书记%"
UNREACHABLE_HOURS = 10**6
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=8, decimal_places=2))


def yearly_targets() -> dict[bool, int]:
    """学时 targets of a year by whether the member is a branch secretary (党校设置)."""
    from .models import SchoolSettings

    # One query, and no row written by a report (SchoolSettings.load creates one).
    school = SchoolSettings.objects.first() or SchoolSettings()
    return {flag: school.target(flag) for flag in (True, False)}


def yearly_target(member: Member, targets: dict[bool, int] | None = None) -> int:
    """The member's 学时 target for a year (branch secretaries have a higher one)."""
    return (targets or yearly_targets())[member.is_branch_secretary]


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


def _in_list(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids)) or "NULL"


@contextmanager
def _report_cursor():
    """A cursor for one-pass report queries; PostgreSQL's JIT only adds compile time."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        yield cursor


def _thresholds(ratio_key: str, targets: dict[bool, int]) -> dict[bool, float]:
    """学时 a secretary (True) and any other member (False) need for the ratio of
    their target; as in member_appraisal, with a target of 0 nobody is 先进."""
    ratio = settings.PORTAL_SCHOOL_APPRAISAL[ratio_key]
    if ratio_key == "member_excellent_ratio":
        return {
            flag: target * ratio if target else UNREACHABLE_HOURS
            for flag, target in targets.items()
        }
    return {flag: target * ratio for flag, target in targets.items()}


def _direct_rows(org_ids: list[int], year: int) -> list[dict]:
    """Totals per organisation of its own members: three grouped queries (members,
    their summary rows of the year, required-course completions) combined here."""
    targets = yearly_targets()
    qualified = _thresholds("member_qualified_ratio", targets)
    excellent = _thresholds("member_excellent_ratio", targets)
    scope = _in_list(org_ids)
    with _report_cursor() as cursor:
        cursor.execute(
            "SELECT organization_id, COUNT(*), "  # noqa: S608
            "SUM(CASE WHEN party_post LIKE %s THEN 1 ELSE 0 END) "
            f"FROM {Member._meta.db_table} WHERE organization_id IN ({scope}) "
            "GROUP BY organization_id",
            [SECRETARY_LIKE, *org_ids],
        )
        members = cursor.fetchall()
        cursor.execute(
            "SELECT organization_id, secretary, COUNT(*), "  # noqa: S608
            "SUM(CASE WHEN study_days > 0 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN hours >= (CASE WHEN secretary THEN %s ELSE %s END) "
            "THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN hours >= (CASE WHEN secretary THEN %s ELSE %s END) "
            "THEN 1 ELSE 0 END), SUM(hours) "
            f"FROM {StudyYear._meta.db_table} WHERE year = %s "
            f"AND organization_id IN ({scope}) GROUP BY organization_id, secretary",
            [qualified[True], qualified[False], excellent[True], excellent[False],
             year, *org_ids],
        )  # fmt: skip
        summary = {(org_id, bool(flag)): rest for org_id, flag, *rest in cursor}
        cursor.execute(
            "SELECT n.organization_id, SUM(n.completions) "  # noqa: S608
            f"FROM {CourseYearCount._meta.db_table} n "
            f"JOIN {CoursePage._meta.db_table} k ON k.page_ptr_id = n.course_id "
            f"WHERE n.year = %s AND k.kind = %s AND n.organization_id IN ({scope}) "
            "GROUP BY n.organization_id",
            [year, CoursePage.Kind.REQUIRED, *org_ids],
        )
        required_done = dict(cursor.fetchall())
    rows = []
    for org_id, n, secretaries in members:
        row = {
            "organization_id": org_id,
            "n": n,
            "participants": 0,
            "reached": 0,
            "excellent": 0,
            "hours_sum": Decimal("0"),
            "required_done": required_done.get(org_id) or 0,
        }
        for flag, headcount in (
            (True, secretaries or 0),
            (False, n - (secretaries or 0)),
        ):
            counted, studied, reached, best, hours = summary.get(
                (org_id, flag), (0, 0, 0, 0, 0)
            )
            idle = headcount - counted  # no summary row: 0 学时 this year
            row["participants"] += studied or 0
            row["reached"] += (reached or 0) + (idle if qualified[flag] <= 0 else 0)
            row["excellent"] += (best or 0) + (idle if excellent[flag] <= 0 else 0)
            row["hours_sum"] += Decimal(str(hours or 0))
        rows.append(row)
    return rows


def organization_report(
    organizations: QuerySet[Organization], year: int
) -> list[OrgRow]:
    """One row per organisation in scope, each totalling its subtree; tree order."""
    orgs = list(organizations.order_by("path"))
    if not orgs:
        return []
    rows = {org.path: OrgRow(org) for org in orgs}
    direct = _direct_rows([org.pk for org in orgs], year)
    path_by_id = {org.pk: org.path for org in orgs}
    required = _required_courses_by_org(orgs)
    step = Organization.steplen
    for item in direct:
        path = path_by_id.get(item["organization_id"])
        if path is None:
            continue
        due = item["n"] * required.get(path, 0)
        for depth in range(step, len(path) + 1, step):
            row = rows.get(path[:depth])
            if row is None:
                continue
            row.members += item["n"]
            row.participants += item["participants"]
            row.reached += item["reached"]
            row.excellent += item["excellent"]
            row.total_hours += item["hours_sum"]
            row.required_done += item["required_done"]
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
        CourseYearCount.objects.filter(
            year=year, organization_id__in=_scope_ids(organizations)
        )
        .values("course_id")
        .annotate(n=Sum("completions"))
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
    """Members in scope, most 学时 first: those with a summary row of the year (most
    学时, then member id), then those without (by member id). Slicing runs at most
    two SQL queries, each reading only the page it needs.

    Behaves like a sequence so Django's Paginator can page it.
    """

    def __init__(self, organizations: QuerySet[Organization], year: int):
        self.org_ids = _scope_ids(organizations)
        self.year = year
        self._summarised: int | None = None

    def count(self) -> int:
        return Member.objects.filter(organization_id__in=self.org_ids).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        return self.rows(limit=None if stop is None else stop - start, offset=start)

    def _summary_rows(self):
        return StudyYear.objects.filter(
            year=self.year, organization_id__in=self.org_ids
        )

    def summarised(self) -> int:
        """Members in scope with a summary row (they come first)."""
        if self._summarised is None:
            self._summarised = self._summary_rows().count()
        return self._summarised

    def rows(self, *, limit: int | None = None, offset: int = 0) -> list[RankedMember]:
        ranked = list(
            self._summary_rows()
            .order_by("-hours", "member_id")
            .values_list("member_id", "hours", "study_days")[
                offset : None if limit is None else offset + limit
            ]
        )
        if limit is None or len(ranked) < limit:
            rest = max(0, offset - self.summarised()) if not ranked else 0
            wanted = None if limit is None else limit - len(ranked)
            unsummarised = (
                Member.objects.filter(organization_id__in=self.org_ids)
                .exclude(
                    Exists(
                        StudyYear.objects.filter(
                            member_id=OuterRef("pk"), year=self.year
                        )
                    )
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            ranked += [
                (member_id, Decimal("0"), 0)
                for member_id in unsummarised[
                    rest : None if wanted is None else rest + wanted
                ]
            ]
        members = Member.objects.select_related("organization").in_bulk(
            [member_id for member_id, _, _ in ranked]
        )
        targets = yearly_targets()
        return [
            RankedMember(
                member=members[member_id],
                hours=Decimal(str(hours)).quantize(Decimal("0.01")),
                target=yearly_target(members[member_id], targets),
                studied=days > 0,
            )
            for member_id, hours, days in ranked
            if member_id in members
        ]

    def iterate(self, chunk: int = 2000):
        """Every member in scope, in chunks (for exports)."""
        total = self.count()
        for offset in range(0, total, chunk):
            yield from self.rows(limit=chunk, offset=offset)


def member_ranking(organizations: QuerySet[Organization], year: int) -> MemberRanking:
    """Members in scope with their 学时 of the year, for ranking and export."""
    return MemberRanking(organizations, year)


# ---- keeping the yearly summary and course counts -----------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _add_to_year(
    cursor,
    member_id: int,
    year: int,
    *,
    hours: Decimal = Decimal("0"),
    courses: int = 0,
    study_days: int = 0,
) -> int:
    """Add to a member's summary row of a year (creating it under the member's
    党组织); returns the 党组织 the row counts under."""
    table = _table(StudyYear)
    cursor.execute(
        f"INSERT INTO {table} (member_id, year, organization_id, secretary, "  # noqa: S608
        "hours, courses, study_days) "
        "SELECT m.id, %s, m.organization_id, m.party_post LIKE %s, %s, %s, %s "
        f"FROM {_table(Member)} m WHERE m.id = %s "
        "ON CONFLICT (member_id, year) DO UPDATE SET "
        f"hours = {table}.hours + excluded.hours, "
        f"courses = {table}.courses + excluded.courses, "
        f"study_days = {table}.study_days + excluded.study_days "
        "RETURNING organization_id",
        [year, SECRETARY_LIKE, hours, courses, study_days, member_id],
    )
    return cursor.fetchone()[0]


def _add_to_course_count(
    cursor, course_id: int, organization_id: int, year: int, delta: int
) -> None:
    table = _table(CourseYearCount)
    cursor.execute(
        f"INSERT INTO {table} (course_id, organization_id, year, completions) "  # noqa: S608
        "VALUES (%s, %s, %s, %s) ON CONFLICT (course_id, organization_id, year) "
        f"DO UPDATE SET completions = {table}.completions + excluded.completions",
        [course_id, organization_id, year, delta],
    )


def count_study_day(member_id: int, year: int) -> None:
    """A member studied on a new day (call inside the transaction recording it)."""
    with connection.cursor() as cursor:
        _add_to_year(cursor, member_id, year, study_days=1)


def count_completion(member_id: int, course_id: int, year: int, hours: Decimal) -> None:
    """A member completed a course (call inside the transaction recording it)."""
    with connection.cursor() as cursor:
        organization_id = _add_to_year(cursor, member_id, year, hours=hours, courses=1)
        _add_to_course_count(cursor, course_id, organization_id, year, 1)


def follow_member(member: Member) -> None:
    """Move a member's summary rows (and their course counts) to the member's
    current 党组织 and secretary flag after the member was edited."""
    secretary = member.is_branch_secretary
    moved = StudyYear.objects.filter(member_id=member.pk).exclude(
        organization_id=member.organization_id, secretary=secretary
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for row in moved.select_for_update():
            if row.organization_id != member.organization_id:
                for course_id in CourseCompletion.objects.filter(
                    member_id=member.pk, year=row.year
                ).values_list("course_id", flat=True):
                    _add_to_course_count(
                        cursor, course_id, row.organization_id, row.year, -1
                    )
                    _add_to_course_count(
                        cursor, course_id, member.organization_id, row.year, 1
                    )
            StudyYear.objects.filter(pk=row.pk).update(
                organization_id=member.organization_id, secretary=secretary
            )


def rebuild_study_years(years: list[int] | None = None) -> dict[int, int]:
    """Recompute the summary and course counts of the given years (default: every
    year with records) from completions, study days and members; returns the
    summary rows written per year.

    Set-based SQL, one transaction per year: readers see the old numbers until the
    new ones are complete, and upserts racing with it wait for it and add on top.
    """
    if years is None:
        years = sorted(
            set(CourseCompletion.objects.values_list("year", flat=True).distinct())
            | {day.year for day in StudyDay.objects.dates("day", "year")}
            | set(StudyYear.objects.values_list("year", flat=True).distinct())
        )
    completions, members = _table(CourseCompletion), _table(Member)
    summary_sql = (
        f"INSERT INTO {_table(StudyYear)} (member_id, year, organization_id, "  # noqa: S608
        "secretary, hours, courses, study_days) "
        "SELECT x.member_id, %s, m.organization_id, m.party_post LIKE %s, "
        "SUM(x.hours), SUM(x.courses), SUM(x.days) FROM ("
        "SELECT member_id, credit_hours AS hours, 1 AS courses, 0 AS days "
        f"FROM {completions} WHERE year = %s "
        "UNION ALL "
        f"SELECT member_id, 0, 0, 1 FROM {_table(StudyDay)} "
        "WHERE day >= %s AND day <= %s"
        f") x JOIN {members} m ON m.id = x.member_id "
        "GROUP BY x.member_id, m.organization_id, m.party_post"
    )
    counts_sql = (
        f"INSERT INTO {_table(CourseYearCount)} (course_id, organization_id, "  # noqa: S608
        "year, completions) "
        "SELECT c.course_id, m.organization_id, %s, COUNT(*) "
        f"FROM {completions} c JOIN {members} m ON m.id = c.member_id "
        "WHERE c.year = %s GROUP BY c.course_id, m.organization_id"
    )
    written = {}
    for year in years:
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        with transaction.atomic(), connection.cursor() as cursor:
            for model in (StudyYear, CourseYearCount):
                cursor.execute(
                    f"DELETE FROM {_table(model)} WHERE year = %s",  # noqa: S608
                    [year],
                )
            cursor.execute(summary_sql, [year, SECRETARY_LIKE, year, first, last])
            written[year] = cursor.rowcount
            cursor.execute(counts_sql, [year, year])
    return written
