"""Required courses in Chromium: a 党校管理员 of a branch assigns a course, a member of
the branch sees it as 必修 with its deadline on a 390 px phone, the same admin is
refused outside the branch, and after the deadline the statistics list the member
as overdue."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.roles import SCHOOL_ADMIN
from school.models import CourseAssignment
from tests.members.factories import MemberFactory, make_staff_user
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    SchoolIndexPageFactory,
)

from .conftest import DESKTOP, PHONE
from .steps import sign_in


@pytest.fixture
def world(branches, home_page):
    course = CoursePageFactory(
        parent=SchoolIndexPageFactory(parent=home_page),
        title="新时代党支部工作实务",
        kind="elective",
        lecturer="机关第一党支部 周国平",
        summary="“三会一课”、主题党日、发展党员的规范流程。",
    )
    course.save_revision().publish()
    for _ in range(2):
        LessonPageFactory(parent=course, video__duration=600).save_revision().publish()
    member = MemberFactory(
        organization=branches["a1"], real_name="林小军", member_no="E0404"
    )
    make_staff_user(SCHOOL_ADMIN, scope=branches["a"], username="dx_a")
    make_staff_user(SCHOOL_ADMIN, scope=branches["committee"], username="dx")
    return {**branches, "course": course, "member": member}


def test_assigned_course_is_required_for_the_branch_and_overdue_in_the_statistics(
    new_page, world, screenshot
):
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    course, member = world["course"], world["member"]

    # The branch's 党校管理员 assigns the course to the branch.
    admin = new_page(viewport=DESKTOP)
    sign_in(admin, "dx_a")
    admin.goto(reverse("school_assignments:add"))
    form = admin.locator("form[method=post]").first
    assert "机加车间党支部" not in form.inner_text()
    admin.select_option("select[name=course]", str(course.pk))
    admin.locator(f"input[name=organizations][value='{world['a'].pk}']").check()
    admin.fill("input[name=deadline]", deadline.isoformat())
    admin.fill("input[name=note]", "结合本季度主题党日集中学习")
    screenshot(admin, "assign-form-1366")
    admin.get_by_role("button", name="创建").click()
    admin.wait_for_url(f"**{reverse('school_assignments:index')}")
    listing = admin.locator("table.listing tbody").inner_text()
    assert course.title in listing and "总装车间党支部" in listing
    screenshot(admin, "assign-list-1366")
    assignment = CourseAssignment.objects.get()

    # Outside the branch: the 指派 link for another branch, and a tampered form.
    response = admin.goto(
        reverse("school_assignments:add") + f"?organization={world['b'].pk}"
    )
    assert response.status == 403
    assert admin.get_by_role("heading", name="无权访问").is_visible()
    admin.goto(reverse("school_assignments:add"))
    admin.select_option("select[name=course]", str(course.pk))
    admin.fill("input[name=deadline]", deadline.isoformat())
    admin.locator(f"input[name=organizations][value='{world['a'].pk}']").evaluate(
        f"box => {{ box.value = '{world['b'].pk}'; box.checked = true; }}"
    )
    with admin.expect_navigation() as navigation:
        admin.get_by_role("button", name="创建").click()
    assert navigation.value.status == 403
    assert "不在您管理的党组织范围内" in admin.content()
    assert CourseAssignment.objects.count() == 1

    # A member of a group below the branch, on a phone.
    phone = new_page(viewport=PHONE)
    sign_in(phone, member.user.username)
    phone.goto("/school/")
    card = phone.locator(".course-card", has_text=course.title)
    assert card.locator(".tag--required").inner_text() == "必修"
    assert card.locator(".tag--due").inner_text() == f"{deadline:%Y-%m-%d} 截止"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "catalogue-390")
    card.locator(".course-card__link").click()
    phone.wait_for_url(f"**{course.url}")
    assert "这是指派给您的必修课程" in phone.locator(".course__due").inner_text()
    screenshot(phone, "course-390")
    phone.goto(reverse("school:me"))
    section = phone.locator(".required-courses")
    assert course.title in section.inner_text()
    assert f"截止 {deadline:%Y-%m-%d}" in section.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "my-study-390")
    phone.goto(reverse("me"))
    assert course.title in phone.locator(".required-courses").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "me-390")
    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, member.user.username)
    desktop.goto(reverse("school:me"))
    screenshot(desktop, "my-study-1366")

    # The deadline passes without the member finishing.
    past = timezone.localdate() - datetime.timedelta(days=2)
    CourseAssignment.objects.filter(pk=assignment.pk).update(deadline=past)
    phone.goto("/school/")
    card = phone.locator(".course-card", has_text=course.title)
    assert card.locator(".tag--overdue").inner_text() == "已逾期"
    screenshot(phone, "catalogue-overdue-390")

    stats = new_page(viewport=DESKTOP)
    sign_in(stats, "dx")
    report = reverse("school_study_report")
    stats.goto(f"{report}?year={past.year}&table=overdue")
    overdue = stats.locator("table.overdue-list tbody").inner_text()
    assert "林小军" in overdue and "E0404" in overdue and course.title in overdue
    screenshot(stats, "statistics-1366")
    stats.goto(f"{report}?year={past.year}&table=required")
    row = stats.locator("table.required-report tbody tr", has_text="总装车间党支部")
    assert row.locator("td").nth(4).inner_text() == "1"
