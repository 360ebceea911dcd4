"""Notifications of required courses: assigned, 7 days before, overdue; once each,
only to members who have not completed the course."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from school.models import CourseAssignment
from school.notices import announce_assignment, send_deadline_reminders
from school.services import assign_course, change_assignment
from tests.members.factories import MemberFactory
from tests.school.factories import CourseCompletionFactory


@pytest.fixture
def people(tree, course):
    done = MemberFactory(organization=tree["a"], real_name="已学完")
    CourseCompletionFactory(member=done, course=course, credit_hours=1)
    return {
        "pending": MemberFactory(organization=tree["a"], real_name="未学"),
        "below": MemberFactory(organization=tree["a1"], real_name="小组未学"),
        "done": done,
        "beside": MemberFactory(organization=tree["b"], real_name="乙支部"),
    }


def notified(kind):
    return set(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__member__real_name", flat=True
        )
    )


def assign(course, organizations, days, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return assign_course(
            course=course,
            organizations=organizations,
            deadline=timezone.localdate() + datetime.timedelta(days=days),
        )


def test_assignment_notifies_pending_members_of_the_subtree_once(
    tree, course, people, django_capture_on_commit_callbacks
):
    assignment = assign(course, [tree["a"]], 30, django_capture_on_commit_callbacks)
    assert notified("course_assigned") == {"未学", "小组未学"}
    note = Notification.objects.filter(kind="course_assigned").first()
    assert course.title in note.title
    assert note.url == course.get_url()
    assert announce_assignment(assignment.pk) == 0
    assert Notification.objects.filter(kind="course_assigned").count() == 2


def test_members_who_completed_the_course_get_no_reminders(
    tree, course, people, django_capture_on_commit_callbacks
):
    assignment = assign(course, [tree["a"]], 7, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    assert send_deadline_reminders(today) == (2, 0)
    assert notified("course_due_soon") == {"未学", "小组未学"}
    assert send_deadline_reminders(today) == (0, 0)

    CourseCompletionFactory(member=people["below"], course=course, credit_hours=1)
    after = assignment.deadline + datetime.timedelta(days=1)
    assert send_deadline_reminders(after) == (0, 1)
    assert notified("course_overdue") == {"未学"}
    assert send_deadline_reminders(after) == (0, 0)


def test_no_reminder_earlier_than_7_days_nor_long_after(
    tree, course, people, django_capture_on_commit_callbacks
):
    assignment = assign(course, [tree["a"]], 8, django_capture_on_commit_callbacks)
    assert send_deadline_reminders(timezone.localdate()) == (0, 0)
    long_after = assignment.deadline + datetime.timedelta(days=31)
    assert send_deadline_reminders(long_after) == (0, 0)


def test_a_moved_deadline_is_announced_again_by_the_reminders(
    tree, course, people, django_capture_on_commit_callbacks
):
    assignment = assign(course, [tree["a"]], 3, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    send_deadline_reminders(today)
    change_assignment(
        assignment,
        course=course,
        organizations=[tree["a"]],
        deadline=today + datetime.timedelta(days=5),
    )
    assert send_deadline_reminders(today) == (2, 0)


def test_reminder_job_is_scheduled_and_runs_as_a_command(
    settings, tree, course, people, django_capture_on_commit_callbacks, capsys
):
    assert any(job[0] == "send_course_reminders" for job in settings.PORTAL_SCHEDULE)
    assignment = assign(course, [tree["a"]], 2, django_capture_on_commit_callbacks)
    CourseAssignment.objects.filter(pk=assignment.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    call_command("send_course_reminders")
    assert "逾期提醒 2 条" in capsys.readouterr().out
    assert notified("course_overdue") == {"未学", "小组未学"}


def test_inactive_accounts_and_unpublished_courses_are_left_out(
    tree, course, people, django_capture_on_commit_callbacks
):
    people["pending"].user.is_active = False
    people["pending"].user.save()
    assign(course, [tree["a"]], 30, django_capture_on_commit_callbacks)
    assert notified("course_assigned") == {"小组未学"}
    course.unpublish()
    second = CourseAssignment.objects.create(
        course=course, deadline=timezone.localdate() + datetime.timedelta(days=3)
    )
    second.organizations.set([tree["b"]])
    assert announce_assignment(second.pk) == 0
    assert send_deadline_reminders() == (0, 0)


def test_email_goes_to_members_with_an_address(
    tree, course, people, django_capture_on_commit_callbacks, mailoutbox
):
    people["pending"].user.email = "weixue@example.com"
    people["pending"].user.save()
    with django_capture_on_commit_callbacks(execute=True):
        assign(course, [tree["a"]], 30, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["weixue@example.com"]]
    assert course.title in mailoutbox[0].subject + mailoutbox[0].body
