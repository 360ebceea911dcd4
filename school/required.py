"""Required courses (必修课指派): who must finish which course by when, and how far they are.

A CourseAssignment reaches the members of its organisations and of everything below
them. A member reached by several assignments of one course has the earliest
deadline. A course counts as done when the member has a CourseCompletion, on time
when it was completed on or before the deadline (a completion before the
assignment counts as on time).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from members.models import Member, Organization

from .models import CourseAssignment, CourseCompletion, CoursePage

DUE_SOON_DAYS = 7


def ancestor_paths(path: str) -> list[str]:
    """Tree paths of the organisation at ``path`` and of every one above it."""
    step = Organization.steplen
    return [path[:depth] for depth in range(step, len(path) + 1, step)]


@dataclass(frozen=True)
class Requirement:
    """One required course of one member: its deadline and the member's completion."""

    course_id: int
    deadline: datetime.date
    completed_at: datetime.datetime | None = None

    @property
    def done(self) -> bool:
        return self.completed_at is not None

    @property
    def on_time(self) -> bool:
        return self.done and timezone.localdate(self.completed_at) <= self.deadline

    @property
    def overdue(self) -> bool:
        return not self.done and self.deadline < timezone.localdate()

    @property
    def days_left(self) -> int:
        return (self.deadline - timezone.localdate()).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def due_soon(self) -> bool:
        return not self.done and 0 <= self.days_left <= DUE_SOON_DAYS

    @property
    def state(self) -> str:
        """done / overdue / due_soon / open (for CSS classes)."""
        if self.done:
            return "done"
        if self.overdue:
            return "overdue"
        return "due_soon" if self.due_soon else "open"

    @property
    def label(self) -> str:
        """What the member reads beside the 必修 badge."""
        if self.done:
            return "已完成" if self.on_time else "已完成（逾期）"
        if self.overdue:
            return "已逾期"
        if self.days_left == 0:
            return "今天截止"
        return f"{self.deadline:%Y-%m-%d} 截止"


def _deadlines_by_path(assignments: QuerySet[CourseAssignment]) -> dict[str, dict]:
    """Organisation path -> {course id: earliest deadline} of the given assignments."""
    by_path: dict[str, dict[int, datetime.date]] = defaultdict(dict)
    rows = assignments.order_by().values_list(
        "course_id", "deadline", "organizations__path"
    )
    for course_id, deadline, path in rows:
        if path is None:
            continue
        known = by_path[path].get(course_id)
        if known is None or deadline < known:
            by_path[path][course_id] = deadline
    return by_path


def _deadlines_for(path: str, by_path: dict[str, dict]) -> dict[int, datetime.date]:
    due: dict[int, datetime.date] = {}
    for ancestor in ancestor_paths(path):
        for course_id, deadline in by_path.get(ancestor, {}).items():
            if course_id not in due or deadline < due[course_id]:
                due[course_id] = deadline
    return due


def live_assignments() -> QuerySet[CourseAssignment]:
    """Assignments of courses that are published."""
    return CourseAssignment.objects.filter(course__live=True)


def requirements_for(member: Member | None) -> dict[int, Requirement]:
    """The member's required courses by course id (empty for None)."""
    if member is None:
        return {}
    organization = member.organization
    by_path = _deadlines_by_path(
        live_assignments().filter(
            organizations__path__in=ancestor_paths(organization.path)
        )
    )
    due = _deadlines_for(organization.path, by_path)
    if not due:
        return {}
    completed = dict(
        CourseCompletion.objects.filter(
            member=member, course_id__in=list(due)
        ).values_list("course_id", "completed_at")
    )
    return {
        course_id: Requirement(course_id, deadline, completed.get(course_id))
        for course_id, deadline in due.items()
    }


def members_reached(assignment: CourseAssignment) -> QuerySet[Member]:
    """Members of the assignment's organisations and of everything below them."""
    query = Q(pk__in=[])
    for path in assignment.organizations.values_list("path", flat=True):
        query |= Q(organization__path__startswith=path)
    return Member.objects.filter(query)


def members_pending(assignment: CourseAssignment) -> QuerySet[Member]:
    """Members reached by the assignment who have not completed its course."""
    return members_reached(assignment).exclude(
        pk__in=CourseCompletion.objects.filter(course_id=assignment.course_id).values(
            "member_id"
        )
    )


# ---- statistics ------------------------------------------------------------------


@dataclass
class RequiredRow:
    """Required-course figures of one 党组织 including everything below it.

    Each figure counts (member, course) pairs: a member with two required courses
    counts twice in ``assigned``.
    """

    organization: Organization
    assigned: int = 0
    completed: int = 0
    on_time: int = 0
    overdue: int = 0
    members: set = field(default_factory=set, repr=False)

    @property
    def completion_rate(self) -> float:
        return self.completed / self.assigned if self.assigned else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.assigned if self.assigned else 0.0


@dataclass(frozen=True)
class OverdueRow:
    """A member who has not finished a required course past its deadline."""

    member_id: int
    real_name: str
    member_no: str
    organization_name: str
    course_title: str
    deadline: datetime.date

    @property
    def days_overdue(self) -> int:
        return (timezone.localdate() - self.deadline).days


def _pairs(
    organizations: QuerySet[Organization], year: int
) -> Iterator[tuple[int, int, str, int, datetime.date]]:
    """(member id, organisation id, path, course id, deadline) of every member in
    scope and each required course with a deadline in the year."""
    by_path = _deadlines_by_path(live_assignments().filter(deadline__year=year))
    if not by_path:
        return
    members = (
        Member.objects.filter(organization__in=organizations)
        .order_by()
        .values_list("pk", "organization_id", "organization__path")
    )
    for member_id, org_id, path in members.iterator(chunk_size=2000):
        for course_id, deadline in _deadlines_for(path, by_path).items():
            yield member_id, org_id, path, course_id, deadline


def _completions(organizations, course_ids) -> dict[tuple[int, int], datetime.datetime]:
    return {
        (member_id, course_id): completed_at
        for member_id, course_id, completed_at in CourseCompletion.objects.filter(
            member__organization__in=organizations, course_id__in=course_ids
        ).values_list("member_id", "course_id", "completed_at")
    }


def _day_after(deadline: datetime.date) -> datetime.datetime:
    """The first moment after the deadline day, in the site's time zone."""
    return timezone.make_aware(
        datetime.datetime.combine(deadline, datetime.time.min)
        + datetime.timedelta(days=1)
    )


def required_report(
    organizations: QuerySet[Organization], year: int
) -> list[RequiredRow]:
    """One row per organisation in scope (tree order), each totalling its subtree,
    over the required courses whose deadline falls in the year."""
    orgs = list(organizations.order_by("path"))
    rows = {org.path: RequiredRow(org) for org in orgs}
    pairs = list(_pairs(organizations, year))
    if not pairs:
        return [rows[org.path] for org in orgs]
    done = _completions(organizations, {pair[3] for pair in pairs})
    today = timezone.localdate()
    cutoffs = {deadline: _day_after(deadline) for deadline in {p[4] for p in pairs}}
    for member_id, _org_id, path, course_id, deadline in pairs:
        completed_at = done.get((member_id, course_id))
        on_time = completed_at is not None and completed_at < cutoffs[deadline]
        overdue = completed_at is None and deadline < today
        for ancestor in ancestor_paths(path):
            row = rows.get(ancestor)
            if row is None:
                continue
            row.assigned += 1
            row.completed += completed_at is not None
            row.on_time += on_time
            row.overdue += overdue
    return [rows[org.path] for org in orgs]


def overdue_members(
    organizations: QuerySet[Organization], year: int
) -> list[OverdueRow]:
    """Members in scope past the deadline of a required course they have not
    completed, longest overdue first."""
    today = timezone.localdate()
    late = [
        (member_id, course_id, deadline)
        for member_id, _org, _path, course_id, deadline in _pairs(organizations, year)
        if deadline < today
    ]
    if not late:
        return []
    done = _completions(organizations, {course_id for _, course_id, _ in late})
    late = [item for item in late if (item[0], item[1]) not in done]
    members = Member.objects.select_related("organization").in_bulk(
        {member_id for member_id, _, _ in late}
    )
    titles = dict(
        CoursePage.objects.filter(pk__in={course_id for _, course_id, _ in late})
        .order_by()
        .values_list("pk", "title")
    )
    rows = [
        OverdueRow(
            member_id=member_id,
            real_name=members[member_id].real_name,
            member_no=members[member_id].member_no or "",
            organization_name=members[member_id].organization.name,
            course_title=titles.get(course_id, ""),
            deadline=deadline,
        )
        for member_id, course_id, deadline in late
        if member_id in members
    ]
    rows.sort(key=lambda row: (row.deadline, row.organization_name, row.real_name))
    return rows


@dataclass(frozen=True)
class RequiredCourseRow:
    """A line of 必修课程 on 我的学习: the course, its deadline, lessons done."""

    course: CoursePage
    requirement: Requirement
    lessons_done: int
    lessons_total: int

    @property
    def percent(self) -> int:
        if self.requirement.done:
            return 100
        if not self.lessons_total:
            return 0
        return int(self.lessons_done * 100 / self.lessons_total)


def required_rows(member: Member | None) -> list[RequiredCourseRow]:
    """The member's required courses, unfinished first (earliest deadline first)."""
    from .models import LessonPage, LessonProgress

    requirements = requirements_for(member)
    if not requirements:
        return []
    courses = CoursePage.objects.live().filter(pk__in=list(requirements))
    done: dict[int, int] = defaultdict(int)
    for course_id in LessonProgress.objects.filter(
        member=member, course_id__in=list(requirements), completed_at__isnull=False
    ).values_list("course_id", flat=True):
        done[course_id] += 1
    rows = [
        RequiredCourseRow(
            course=course,
            requirement=requirements[course.pk],
            lessons_done=done[course.pk],
            lessons_total=LessonPage.objects.child_of(course).live().count(),
        )
        for course in courses
    ]
    rows.sort(key=lambda row: (row.requirement.done, row.requirement.deadline))
    return rows
