"""Required-course statistics: per 党组织 (rolled up) assigned, completed, on time,
overdue; the overdue list; exports; scope by organisation."""

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from members.roles import LEADER, SCHOOL_ADMIN
from school.models import CourseAssignment, CoursePage
from school.required import overdue_members, required_report
from school.services import assign_course
from tests.members.factories import (
    MemberFactory,
    OrganizationFactory,
    make_staff_user,
)
from tests.school.factories import CourseCompletionFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def world(school_index):
    """党委 > 甲支部 (> 甲一小组), 乙支部; two courses assigned to 甲支部, one to all."""
    committee = OrganizationFactory(name="党委", code="W")
    first = OrganizationFactory(parent=committee, name="甲支部", code="W-A")
    group = OrganizationFactory(
        parent=first, name="甲一小组", code="W-A1", kind="group"
    )
    second = OrganizationFactory(parent=committee, name="乙支部", code="W-B")
    courses = []
    for slug, title in (("c1", "学党章"), ("c2", "=HYPERLINK(1)")):
        course = CoursePage(title=title, slug=slug)
        school_index.add_child(instance=course)
        course.save_revision().publish()
        courses.append(course)
    on_time, late = courses
    a = MemberFactory(organization=first, real_name="甲", member_no="W001")
    b = MemberFactory(organization=group, real_name="乙", member_no="W002")
    c = MemberFactory(organization=second, real_name="丙", member_no="W003")
    assignment = assign_course(course=late, organizations=[first], deadline=days(1))
    assign_course(course=on_time, organizations=[committee], deadline=days(10))
    CourseAssignment.objects.filter(pk=assignment.pk).update(deadline=days(-2))

    def complete(member, course, when):
        CourseCompletionFactory(
            member=member,
            course=course,
            year=TODAY.year,
            credit_hours=1,
            completed_at=timezone.now() + datetime.timedelta(days=when),
        )

    complete(a, late, -5)  # before the (moved) deadline: on time
    complete(b, on_time, 0)
    complete(c, on_time, 0)
    return {
        "committee": committee,
        "first": first,
        "group": group,
        "second": second,
        "members": (a, b, c),
        "courses": courses,
    }


def figures(rows):
    return {
        row.organization.name: (row.assigned, row.completed, row.on_time, row.overdue)
        for row in rows
    }


def test_rows_count_pairs_and_roll_up_the_tree(world):
    from members.models import Organization

    rows = required_report(Organization.objects.all(), TODAY.year)
    assert figures(rows) == {
        # a: late course done on time, on_time course open; b: late overdue,
        # on_time done; c: on_time done.
        "党委": (5, 3, 3, 1),
        "甲支部": (4, 2, 2, 1),
        "甲一小组": (2, 1, 1, 1),
        "乙支部": (1, 1, 1, 0),
    }


def test_late_completion_is_completed_but_not_on_time(world):
    from members.models import Organization

    _a, b, _c = world["members"]
    _on_time, late = world["courses"]
    CourseCompletionFactory(member=b, course=late, year=TODAY.year, credit_hours=1)
    rows = figures(required_report(Organization.objects.all(), TODAY.year))
    assert rows["甲一小组"] == (2, 2, 1, 0)
    assert overdue_members(Organization.objects.all(), TODAY.year) == []


def test_other_years_are_left_out(world):
    from members.models import Organization

    assert figures(required_report(Organization.objects.all(), TODAY.year + 1)) == {
        "党委": (0, 0, 0, 0),
        "甲支部": (0, 0, 0, 0),
        "甲一小组": (0, 0, 0, 0),
        "乙支部": (0, 0, 0, 0),
    }


def report_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_school_admin_sees_overdue_members_and_exports_them_formula_safe(world):
    admin = make_staff_user(SCHOOL_ADMIN, scope=world["committee"], username="dx")
    client = report_client(admin)
    html = client.get("/admin/school/stats/?table=required").content.decode()
    assert "必修课指派完成情况" in html
    html = client.get("/admin/school/stats/?table=overdue").content.decode()
    assert "逾期未学名单（1 人次）" in html
    assert "W002" in html
    text = b"".join(
        client.get("/admin/school/stats/?export=csv&table=overdue").streaming_content
    ).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "姓名,党员编号,所在党组织,课程,截止日期,逾期天数"
    assert lines[1] == f"乙,W002,甲一小组,'=HYPERLINK(1),{days(-2).isoformat()},2"
    xlsx = client.get("/admin/school/stats/?export=xlsx&table=required")
    rows = list(
        load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
    )
    assert rows[0] == (
        "党组织",
        "应学人次",
        "已完成",
        "按期完成",
        "逾期未完成",
        "完成率",
    )
    assert rows[1] == ("党委", 5, 3, 3, 1, "60.0%")


def test_branch_scoped_roles_see_only_their_branch(world):
    for user in (
        make_staff_user(SCHOOL_ADMIN, scope=world["second"], username="dx_b"),
        make_staff_user(LEADER, scope=world["second"], username="ld_b"),
    ):
        client = report_client(user)
        html = client.get("/admin/school/stats/?table=overdue").content.decode()
        assert "W002" not in html and "甲一小组" not in html
        assert "逾期未学名单（0 人次）" in html
        for table in ("required", "overdue"):
            text = b"".join(
                client.get(
                    f"/admin/school/stats/?export=csv&table={table}"
                ).streaming_content
            ).decode("utf-8-sig")
            assert "甲" not in text and "W002" not in text
        other = client.get(
            f"/admin/school/stats/?table=overdue&org={world['first'].pk}"
        )
        assert "W002" not in other.content.decode()


def test_members_and_staff_without_the_report_right_are_refused(world):
    member = world["members"][0]
    # 党员 have no admin access: Wagtail sends them to the login page.
    response = report_client(member.user).get("/admin/school/stats/")
    assert response.status_code == 302
    publicist = make_staff_user("宣传员", scope=world["committee"], username="xc")
    response = report_client(publicist).get("/admin/school/stats/?table=overdue")
    assert response.status_code == 403
    assert "您没有查看学习统计的权限" in response.content.decode()
    response = report_client(publicist).get(
        "/admin/school/stats/?export=csv&table=overdue"
    )
    assert response.status_code == 403


def test_hostile_table_and_page_parameters_are_400_or_ignored(world):
    client = report_client(
        make_staff_user(SCHOOL_ADMIN, scope=world["committee"], username="dx2")
    )
    assert client.get("/admin/school/stats/?export=csv&table=x").status_code == 400
    assert client.get("/admin/school/stats/?opage=" + "9" * 25).status_code == 200
