"""Study statistics: SQL aggregates per 党组织 (rolled up), appraisal, scope, exports."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from members.models import Organization
from school import stats
from school.models import CourseCompletion, CoursePage, StudyDay
from tests.members.factories import MemberFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def tree(school_index):
    """党委 > 两个支部; 3 + 2 members; one required course (2 学时) and one elective."""
    committee = OrganizationFactory(name="党委")
    first = OrganizationFactory(parent=committee, name="第一支部")
    second = OrganizationFactory(parent=committee, name="第二支部")
    required = CoursePage(
        title="必修课", slug="req", kind="required", credit_hours=Decimal("20")
    )
    elective = CoursePage(
        title="选修课", slug="ele", kind="elective", credit_hours=Decimal("15")
    )
    school_index.add_child(instance=required)
    school_index.add_child(instance=elective)
    a = MemberFactory(organization=first, real_name="甲")
    b = MemberFactory(organization=first, real_name="乙")
    c = MemberFactory(organization=first, real_name="丙", party_post="书记")
    d = MemberFactory(organization=second, real_name="丁")
    e = MemberFactory(organization=second, real_name="戊")
    done = timezone.now()

    def complete(member, course, hours):
        CourseCompletion.objects.create(
            member=member,
            course=course,
            year=YEAR,
            credit_hours=hours,
            completed_at=done,
        )

    complete(a, required, 20)
    complete(a, elective, 20)  # 40 学时: 先进 (>= 1.25 x 32)
    complete(b, required, 32)  # 合格
    complete(c, required, 40)  # secretary: 40 < 56, 不合格
    complete(d, elective, 5)
    CourseCompletion.objects.create(  # last year does not count
        member=e, course=required, year=YEAR - 1, credit_hours=99, completed_at=done
    )
    for member in (a, b, c, d):
        StudyDay.objects.create(
            member=member, day=datetime.date(YEAR, 3, 1), seconds=600
        )
    return {
        "committee": committee,
        "first": first,
        "second": second,
        "members": [a, b, c, d, e],
    }


def test_branch_rows_aggregate_and_roll_up_the_tree(tree):
    rows = {row.organization.name: row for row in stats.organization_report(
        Organization.objects.within(tree["committee"]), YEAR
    )}  # fmt: skip
    first, second, top = rows["第一支部"], rows["第二支部"], rows["党委"]
    assert (first.members, first.participants, first.reached, first.excellent) == (
        3,
        3,
        2,
        1,
    )
    assert first.average_hours == Decimal("37.33")
    assert first.completion_rate == pytest.approx(1.0)
    assert first.appraisal == "合格"  # 2 of 3 reached target
    assert (second.members, second.participants, second.reached) == (2, 1, 0)
    assert second.below_target == 2
    assert second.completion_rate == 0
    assert second.appraisal == "不合格"
    assert (top.members, top.participants, top.reached) == (5, 4, 2)
    assert top.total_hours == Decimal("117")
    assert top.completion_rate == pytest.approx(3 / 5)
    assert top.participation_rate == pytest.approx(0.8)


def test_report_runs_a_fixed_number_of_queries(tree, django_assert_max_num_queries):
    orgs = Organization.objects.within(tree["committee"])
    # orgs, member aggregates (+ savepoint pair), required completions, courses
    with django_assert_max_num_queries(8):
        stats.organization_report(orgs, YEAR)


def test_member_appraisal_uses_targets_and_thresholds(tree, settings):
    ranking = stats.member_ranking(Organization.objects.within(tree["committee"]), YEAR)
    assert len(ranking) == 5
    assert [row.member.real_name for row in ranking[1:3]] == ["丙", "乙"]
    ranking = list(ranking.iterate(chunk=2))
    verdicts = {row.member.real_name: row.appraisal for row in ranking}
    assert verdicts == {
        "甲": "先进",
        "乙": "合格",
        "丙": "不合格",
        "丁": "不合格",
        "戊": "不合格",
    }
    assert [row.member.real_name for row in ranking][:3] == [
        "甲",
        "丙",
        "乙",
    ]  # ties by id
    settings.PORTAL_SCHOOL_APPRAISAL = {
        **settings.PORTAL_SCHOOL_APPRAISAL,
        "member_excellent_ratio": 1.0,
    }
    assert stats.member_appraisal(Decimal("32"), 32) == "先进"


def test_course_report_counts_completions_in_scope(tree):
    rows = stats.course_report(Organization.objects.within(tree["first"]), YEAR)
    counts = {row["course"].title: row["completions"] for row in rows}
    assert counts == {"必修课": 3, "选修课": 1}


def report_client(user):
    client = Client()
    client.force_login(user)
    return client


def staff(role, member_org=None):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=role))
    if member_org is not None:
        MemberFactory(user=user, organization=member_org)
    return user


def test_school_admin_sees_the_report_and_can_export(tree):
    client = report_client(staff("党校管理员"))
    page = client.get("/admin/school/stats/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "第一支部" in html and "第二支部" in html and "必修课" in html
    csv_response = client.get("/admin/school/stats/?export=csv&table=branches")
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("党组织,党员数,参学人数")
    assert "第二支部" in text
    xlsx = client.get("/admin/school/stats/?export=xlsx&table=members")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名"
    assert {row[0] for row in rows[1:]} >= {"甲", "乙", "丙", "丁", "戊"}


def test_branch_leader_sees_only_own_branch_and_below(tree):
    client = report_client(staff("领导", member_org=tree["second"]))
    html = client.get("/admin/school/stats/").content.decode()
    assert "第二支部" in html
    assert "第一支部" not in html
    text = b"".join(
        client.get("/admin/school/stats/?export=csv&table=members").streaming_content
    ).decode("utf-8-sig")
    assert "丁" in text and "甲" not in text


def test_member_without_report_permission_is_refused(tree):
    client = report_client(tree["members"][0].user)
    assert client.get("/admin/school/stats/").status_code in (302, 403)


def test_export_is_logged(tree):
    from members.models import SecurityEvent

    user = staff("党校管理员")
    report_client(user).get("/admin/school/stats/?export=xlsx")
    assert SecurityEvent.objects.filter(action="export", user=user).exists()
