"""What members see of required courses: 必修 with the deadline on the catalogue and
the course page, overdue as 已逾期, and the 必修课程 section of 我的学习."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from school.models import CourseAssignment
from school.services import assign_course
from tests.members.factories import MemberFactory
from tests.school.factories import CourseCompletionFactory, CoursePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def elective(school_index):
    """A course whose own type is 选修: assigned, it is 必修 for the branch."""
    course = CoursePageFactory(parent=school_index, title="廉洁从业", kind="elective")
    course.save_revision().publish()
    return course


def login(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def deadline_in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_member_below_the_branch_sees_required_with_its_deadline(
    tree, school_index, elective
):
    assign_course(course=elective, organizations=[tree["a"]], deadline=deadline_in(20))
    member = MemberFactory(organization=tree["a1"])
    client = login(member)
    due = f"{deadline_in(20):%Y-%m-%d} 截止"
    catalogue = client.get("/school/").content.decode()
    assert '<span class="tag tag--required">必修</span>' in catalogue
    assert due in catalogue
    course = client.get(elective.url).content.decode()
    assert due in course
    assert "这是指派给您的必修课程" in course
    assert "还有 20 天" in course


def test_member_of_another_branch_and_anonymous_see_the_course_type_only(
    tree, school_index, elective
):
    assign_course(course=elective, organizations=[tree["a"]], deadline=deadline_in(20))
    for client in (login(MemberFactory(organization=tree["b"])), Client()):
        html = client.get("/school/").content.decode()
        assert '<span class="tag tag--elective">选修</span>' in html
        assert "截止" not in html
        assert "指派给您" not in client.get(elective.url).content.decode()


def test_overdue_shows_as_overdue_and_completed_shows_no_deadline(
    tree, school_index, elective
):
    assignment = assign_course(
        course=elective, organizations=[tree["a"]], deadline=deadline_in(1)
    )
    CourseAssignment.objects.filter(pk=assignment.pk).update(deadline=deadline_in(-3))
    late = MemberFactory(organization=tree["a"])
    html = login(late).get("/school/").content.decode()
    assert "tag--overdue" in html and "已逾期" in html
    page = login(late).get(elective.url).content.decode()
    assert "已逾期 3 天" in page

    finished = MemberFactory(organization=tree["a"])
    CourseCompletionFactory(member=finished, course=elective, credit_hours=1)
    html = login(finished).get("/school/").content.decode()
    assert '<span class="tag tag--required">必修</span>' in html
    assert "已逾期" not in html and "截止" not in html


def test_earliest_deadline_wins_and_only_mine_keeps_assigned_courses(
    tree, school_index, elective
):
    assign_course(
        course=elective, organizations=[tree["committee"]], deadline=deadline_in(30)
    )
    assign_course(course=elective, organizations=[tree["a"]], deadline=deadline_in(9))
    elective.audience_all = False
    elective.save_revision().publish()
    client = login(MemberFactory(organization=tree["a1"]))
    html = client.get("/school/", {"mine": "1"}).content.decode()
    assert "廉洁从业" in html
    assert f"{deadline_in(9):%Y-%m-%d} 截止" in html
    assert f"{deadline_in(30):%Y-%m-%d}" not in html


def test_my_study_lists_required_courses_with_progress_and_deadline(
    tree, school_index, course_with_lessons, elective
):
    course, _lessons = course_with_lessons
    course.save_revision().publish()
    assign_course(course=course, organizations=[tree["a"]], deadline=deadline_in(5))
    member = MemberFactory(organization=tree["a"])
    html = login(member).get(reverse("school:me")).content.decode()
    assert "必修课程" in html
    assert course.title in html
    assert "已完成 0 / 2 课时" in html
    assert f"截止 {deadline_in(5):%Y-%m-%d}" in html
    other = login(MemberFactory(organization=tree["b"]))
    assert "必修课程" not in other.get(reverse("school:me")).content.decode()


def test_personal_centre_shows_the_required_courses(
    tree, school_index, course_with_lessons
):
    course, _lessons = course_with_lessons
    course.save_revision().publish()
    assign_course(course=course, organizations=[tree["a"]], deadline=deadline_in(5))
    html = login(MemberFactory(organization=tree["a1"])).get(reverse("me"))
    text = html.content.decode()
    assert html.status_code == 200
    assert '<h2 id="required-title">必修课程</h2>' in text and course.title in text
    assert f"截止 {deadline_in(5):%Y-%m-%d}" in text
    other = login(MemberFactory(organization=tree["b"])).get(reverse("me"))
    assert 'id="required-title"' not in other.content.decode()
