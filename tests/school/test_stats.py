"""Study statistics: SQL aggregates per 党组织 (rolled up), appraisal, scope, exports."""

import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from members.models import Organization
from school import services, stats
from school.models import (
    CoursePage,
    CourseYearCount,
    StudyDay,
    StudyYear,
)
from tests.members.factories import MemberFactory, OrganizationFactory, UserFactory
from tests.school.factories import (
    CourseCompletionFactory,
    CoursePageFactory,
    StudyDayFactory,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def tree(school_index):
    """党委 > 两个支部; 3 + 2 members; one required course (2 学时) and one elective."""
    committee = OrganizationFactory(name="党委")
    first = OrganizationFactory(parent=committee, name="第一支部")
    second = OrganizationFactory(parent=committee, name="第二支部")
    required = CoursePageFactory(
        parent=school_index,
        title="必修课",
        slug="req",
        kind="required",
        credit_hours=Decimal("20"),
    )
    elective = CoursePageFactory(
        parent=school_index,
        title="选修课",
        slug="ele",
        kind="elective",
        credit_hours=Decimal("15"),
    )
    a = MemberFactory(organization=first, real_name="甲")
    b = MemberFactory(organization=first, real_name="乙")
    c = MemberFactory(organization=first, real_name="丙", party_post="书记")
    d = MemberFactory(organization=second, real_name="丁")
    e = MemberFactory(organization=second, real_name="戊")
    done = timezone.now()

    def complete(member, course, hours):
        CourseCompletionFactory(
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
    CourseCompletionFactory(  # last year does not count
        member=e, course=required, year=YEAR - 1, credit_hours=99, completed_at=done
    )
    for member in (a, b, c, d):
        StudyDayFactory(member=member, day=datetime.date(YEAR, 3, 1), seconds=600)
    # Records written directly (as an import would): the summary is recomputed.
    stats.rebuild_study_years()
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
    # orgs; the yearly targets (党校设置); members, summary and course counts per 党组织
    # (+ savepoint pair, and turning JIT off on PostgreSQL); required courses with
    # their audiences
    with django_assert_max_num_queries(10):
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


def summary_rows():
    """The summary and course counts, comparable across rebuilds."""
    years = {
        (row.member_id, row.year): (
            row.organization_id,
            row.secretary,
            row.hours,
            row.courses,
            row.study_days,
        )
        for row in StudyYear.objects.all()
    }
    counts = {
        (row.course_id, row.organization_id, row.year): row.completions
        for row in CourseYearCount.objects.exclude(completions=0)
    }
    return years, counts


def test_summary_kept_by_heartbeats_equals_a_rebuild(course_with_lessons):
    """Watching over two days and finishing the course updates the summary as it goes."""
    course, lessons = course_with_lessons
    member, other = MemberFactory(), MemberFactory()
    now = timezone.now().replace(hour=10)
    first_day = timezone.localdate(now)
    for _day in (0, 1):
        for lesson in lessons:
            for start in range(0, 100, 10):
                now += datetime.timedelta(seconds=10)
                services.record_heartbeat(
                    member, lesson, intervals=[[start, start + 10]],
                    position=start + 10, playing=start + 10 < 100, now=now,
                )  # fmt: skip
        now += datetime.timedelta(days=1)
    services.record_heartbeat(
        other, lessons[0], intervals=[[0, 10]], position=10, playing=True, now=now
    )
    kept = summary_rows()
    years, counts = kept
    # Two 100 s lessons: 0.25 学时, one course, one day of study; the second day
    # re-watched what was already credited, so it is not a study day.
    org = member.organization_id
    assert years[(member.pk, first_day.year)] == (org, False, Decimal("0.25"), 1, 1)
    assert StudyDay.objects.filter(member=member).count() == 1
    assert years[(other.pk, timezone.localdate(now).year)] == (
        other.organization_id, False, Decimal("0"), 0, 1,
    )  # fmt: skip
    assert counts == {(course.pk, org, first_day.year): 1}
    stats.rebuild_study_years()
    assert summary_rows() == kept


def test_course_turning_elective_no_longer_counts_as_required(tree):
    required = CoursePage.objects.get(slug="req")
    first = Organization.objects.get(name="第一支部")
    before = stats.organization_report(Organization.objects.within(first), YEAR)[0]
    assert before.required_done == 3
    required.kind = CoursePage.Kind.ELECTIVE
    required.save_revision().publish()
    after = stats.organization_report(Organization.objects.within(first), YEAR)[0]
    assert after.required_done == 0
    assert after.total_hours == before.total_hours


def test_deleting_a_course_takes_its_hours_out_of_the_report(
    tree, django_capture_on_commit_callbacks
):
    committee = Organization.objects.within(tree["committee"])
    assert stats.organization_report(committee, YEAR)[0].total_hours == 117
    with django_capture_on_commit_callbacks(execute=True):
        CoursePage.objects.get(slug="ele").delete()
    assert stats.organization_report(committee, YEAR)[0].total_hours == 92
    a = tree["members"][0]
    assert StudyYear.objects.get(member=a, year=YEAR).courses == 1


def test_rebuild_command_repairs_a_drifted_summary(tree):
    a = tree["members"][0]
    StudyYear.objects.filter(member=a, year=YEAR).update(hours=0, study_days=0)
    StudyYear.objects.filter(member=tree["members"][4]).delete()
    out = io.StringIO()
    call_command("rebuild_study_summary", stdout=out)
    assert f"{YEAR} 年：4 名党员" in out.getvalue()
    row = StudyYear.objects.get(member=a, year=YEAR)
    assert (row.hours, row.study_days) == (Decimal("40"), 1)
    assert not StudyYear.objects.filter(member=tree["members"][4]).exists()
    call_command("rebuild_study_summary", "--all", stdout=out)
    assert StudyYear.objects.get(member=tree["members"][4], year=YEAR - 1).hours == 99


def test_migration_backfill_matches_the_rebuild(tree):
    """The SQL frozen in the migration computes what rebuild_study_years does."""
    migration = importlib.import_module("school.migrations.0002_study_summary")
    rebuilt = summary_rows()
    assert rebuilt[0] and rebuilt[1]
    StudyYear.objects.all().delete()
    CourseYearCount.objects.all().delete()

    class Editor:
        """The part of a schema editor the backfill uses."""

        def __init__(self):
            self.connection = connection

        def execute(self, sql, params=()):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    migration.backfill(None, Editor())
    assert summary_rows() == rebuilt


def test_member_moving_branch_takes_their_numbers_along(tree):
    committee = Organization.objects.within(tree["committee"])
    a = tree["members"][0]  # 40 学时 in 第一支部, one required and one elective course
    a.organization = tree["second"]
    a.save()
    rows = {row.organization.name: row for row in stats.organization_report(
        committee, YEAR
    )}  # fmt: skip
    first, second = rows["第一支部"], rows["第二支部"]
    assert (first.members, first.total_hours, first.required_done) == (2, 72, 2)
    assert (second.members, second.total_hours, second.required_done) == (3, 45, 1)
    assert (second.participants, second.excellent) == (2, 1)
    courses = stats.course_report(Organization.objects.within(tree["second"]), YEAR)
    assert {row["course"].title: row["completions"] for row in courses} == {
        "必修课": 1,
        "选修课": 2,
    }
    kept = summary_rows()
    stats.rebuild_study_years()
    assert summary_rows() == kept


def test_member_becoming_secretary_gets_the_higher_target(tree):
    b = tree["members"][1]  # 32 学时: 合格 against 32, not against 56
    first = Organization.objects.within(tree["first"])
    assert stats.organization_report(first, YEAR)[0].reached == 2
    b.party_post = "副书记"
    b.save()
    assert stats.organization_report(first, YEAR)[0].reached == 1
    ranked = {row.member.pk: row for row in stats.member_ranking(first, YEAR)[:10]}
    assert (ranked[b.pk].target, ranked[b.pk].appraisal) == (56, "不合格")


def test_ranking_pages_run_past_members_who_never_studied(tree):
    """Members with a summary row come first by 学时; the rest follow by id."""
    committee = Organization.objects.within(tree["committee"])
    idle = [MemberFactory(organization=tree["second"]) for _ in range(3)]
    ranking = stats.member_ranking(committee, YEAR)
    assert len(ranking) == 8
    everyone = [row.member.pk for row in ranking.iterate(chunk=3)]
    a, b, c, d, e = tree["members"]
    # e's only completion is last year's: no row this year.
    assert everyone == [a.pk, c.pk, b.pk, d.pk, e.pk, *[m.pk for m in idle]]
    pages = [
        row.member.pk for start in range(0, 8, 3) for row in ranking[start : start + 3]
    ]
    assert pages == everyone
    assert [row.studied for row in ranking[3:6]] == [True, False, False]
