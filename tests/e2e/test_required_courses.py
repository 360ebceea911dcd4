"""Required courses in Chromium: a 党校管理员 of a branch assigns a course, a member of
the branch sees it as 必修 with its deadline on a 390 px phone, the same admin is
refused outside the branch, and after the deadline the statistics list the member
as overdue."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.roles import SCHOOL_ADMIN
from school.models import CourseAssignment, CoursePage, LessonPage, SchoolIndexPage
from tests.members.factories import (
    PASSWORD,
    MemberFactory,
    OrganizationFactory,
    make_staff_user,
)
from tests.school.factories import VideoFactory

from .conftest import DESKTOP, PHONE


@pytest.fixture
def world(home_page):
    committee = OrganizationFactory(name="中共红星集团委员会", code="E")
    general = OrganizationFactory(
        parent=committee, name="制造事业部党总支", code="E-Z", kind="general_branch"
    )
    a = OrganizationFactory(parent=general, name="总装车间党支部", code="E-A")
    a1 = OrganizationFactory(
        parent=a, name="总装一班党小组", code="E-A-1", kind="group"
    )
    b = OrganizationFactory(parent=general, name="机加车间党支部", code="E-B")
    index = SchoolIndexPage(title="网上党校", slug="school", show_in_menus=True)
    home_page.add_child(instance=index)
    course = CoursePage(
        title="新时代党支部工作实务",
        slug="zhibu",
        kind="elective",
        lecturer="机关第一党支部 周国平",
        summary="“三会一课”、主题党日、发展党员的规范流程。",
    )
    index.add_child(instance=course)
    course.save_revision().publish()
    for number in (1, 2):
        lesson = LessonPage(
            title=f"第{number}讲", slug=f"l{number}", video=VideoFactory(duration=600)
        )
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    member = MemberFactory(organization=a1, real_name="林小军", member_no="E0404")
    make_staff_user(SCHOOL_ADMIN, scope=a, username="dx_a")
    make_staff_user(SCHOOL_ADMIN, scope=committee, username="dx")
    return {"a": a, "b": b, "course": course, "member": member}


def admin_login(page, username):
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/admin/")


def member_login(page, member):
    page.goto("/accounts/login/")
    page.fill("#id_username", member.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_assigned_course_is_required_for_the_branch_and_overdue_in_the_statistics(
    new_page, world, screenshot
):
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    course, member = world["course"], world["member"]

    # The branch's 党校管理员 assigns the course to the branch.
    admin = new_page(viewport=DESKTOP)
    admin_login(admin, "dx_a")
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
    member_login(phone, member)
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
    member_login(desktop, member)
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
    admin_login(stats, "dx")
    report = reverse("school_study_report")
    stats.goto(f"{report}?year={past.year}&table=overdue")
    overdue = stats.locator("table.overdue-list tbody").inner_text()
    assert "林小军" in overdue and "E0404" in overdue and course.title in overdue
    screenshot(stats, "statistics-1366")
    stats.goto(f"{report}?year={past.year}&table=required")
    row = stats.locator("table.required-report tbody tr", has_text="总装车间党支部")
    assert row.locator("td").nth(4).inner_text() == "1"
