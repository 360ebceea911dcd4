"""Required courses: assigning a course to organisations with a deadline, changing
and deleting the assignment, and announcing it to the members.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ..models import (
    CoursePage,
)


class AssignmentError(ValueError):
    """The assignment cannot be saved as asked; the message is Chinese."""


def _check_assignment(by, organizations, deadline, *, was=None) -> None:
    from django.core.exceptions import PermissionDenied

    from ..permissions import may_assign_to

    if not organizations:
        raise AssignmentError("请至少选择一个党组织")
    if by is not None and not may_assign_to(by, organizations):
        raise PermissionDenied("所选党组织不在您管理的范围内")
    if deadline < timezone.localdate() and deadline != was:
        raise AssignmentError("截止日期不能早于今天")


@transaction.atomic
def assign_course(
    *,
    course: CoursePage,
    organizations: list,
    deadline: datetime.date,
    note: str = "",
    by=None,
):
    """Make the course 必修 for the organisations (and all below them) by the deadline;
    by must be allowed to assign to every one of them (PermissionDenied otherwise)."""
    from wagtail.log_actions import log

    from ..models import CourseAssignment

    organizations = list(organizations)
    _check_assignment(by, organizations, deadline)
    assignment = CourseAssignment.objects.create(
        course=course, deadline=deadline, note=note, assigned_by=by
    )
    assignment.organizations.set(organizations)
    log(assignment, "wagtail.create", user=by)
    _after_assignment_saved(assignment)
    return assignment


@transaction.atomic
def change_assignment(
    assignment,
    *,
    course: CoursePage,
    organizations: list,
    deadline: datetime.date,
    note: str = "",
    by=None,
):
    """Change an assignment; by needs scope over its old and its new organisations."""
    from django.core.exceptions import PermissionDenied
    from wagtail.log_actions import log

    from ..models import CourseAssignment
    from ..permissions import may_assign_to

    assignment = CourseAssignment.objects.select_for_update().get(pk=assignment.pk)
    if by is not None and not may_assign_to(by, assignment.organizations.all()):
        raise PermissionDenied("该指派涉及您管理范围以外的党组织")
    organizations = list(organizations)
    _check_assignment(by, organizations, deadline, was=assignment.deadline)
    assignment.course = course
    assignment.deadline = deadline
    assignment.note = note
    assignment.save()
    assignment.organizations.set(organizations)
    log(assignment, "wagtail.edit", user=by)
    _after_assignment_saved(assignment)
    return assignment


@transaction.atomic
def delete_assignment(assignment, *, by=None) -> None:
    """Withdraw an assignment (members keep what they studied)."""
    from django.core.exceptions import PermissionDenied
    from wagtail.log_actions import log

    from ..permissions import may_assign_to

    if by is not None and not may_assign_to(by, assignment.organizations.all()):
        raise PermissionDenied("该指派涉及您管理范围以外的党组织")
    log(assignment, "wagtail.delete", user=by)
    assignment.delete()


def _after_assignment_saved(assignment) -> None:
    """Once committed, tell the members it reaches (a background task: a committee's
    assignment may reach thousands)."""
    from ..tasks import announce_course_assignment

    assignment_id = assignment.pk
    transaction.on_commit(
        lambda: announce_course_assignment.enqueue(assignment_id), robust=True
    )
