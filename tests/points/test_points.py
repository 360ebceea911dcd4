"""学习积分: entries derived from recorded facts under editable rules with daily caps,
recomputed idempotently; members' pages; staff rankings scoped by role, with export."""

import datetime
import io
import sys
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from exams import daily, services
from members.roles import (
    LEADER,
    MAILBOX_HANDLER,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
    SITE_ADMIN,
)
from points import ledger
from points.models import PointEntry, PointRule
from tests.exams.conftest import answer_all
from tests.members.factories import MemberFactory, make_staff_user
from tests.school.factories import (
    CourseAssignmentFactory,
    CourseCompletionFactory,
    LessonProgressFactory,
    StudyDayFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rule(code) -> PointRule:
    return PointRule.objects.get(code=code)


def points_of(member, code=None) -> int:
    entries = PointEntry.objects.filter(member=member)
    if code:
        entries = entries.filter(rule__code=code)
    return sum(entries.values_list("points", flat=True))


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_default_rules_exist():
    codes = set(PointRule.objects.values_list("code", flat=True))
    assert codes == set(PointRule.Code.values)


def test_study_minutes_per_ten_minutes_with_daily_cap(member):
    day = datetime.date(2026, 11, 30)
    StudyDayFactory(member=member, day=day, seconds=25 * 60)
    StudyDayFactory(member=member, day=day + datetime.timedelta(1), seconds=4800)
    StudyDayFactory(member=member, day=day + datetime.timedelta(2), seconds=300)
    ledger.recompute(member)
    entries = {e.day: e for e in PointEntry.objects.filter(member=member)}
    assert entries[day].points == 2 and not entries[day].capped
    second = entries[day + datetime.timedelta(1)]
    assert (second.quantity, second.points, second.capped) == (8, 6, True)
    assert day + datetime.timedelta(2) not in entries  # under ten minutes


def test_exams_count_once_per_exam_and_only_when_passed(quiz, final, member):
    for right in (False, True, True):
        attempt = services.start_attempt(quiz, member)
        services.submit_attempt(
            attempt, member=member, responses=answer_all(attempt, right=right)
        )
    ledger.recompute(member)
    assert points_of(member, "quiz_passed") == 3
    assert points_of(member, "final_passed") == 0
    attempt = services.start_attempt(final, member)
    services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    ledger.recompute(member)
    assert points_of(member, "final_passed") == 10


def test_lessons_daily_answers_and_required_courses(course, bank, member, tree):
    now = timezone.now()
    for lesson in course.lessons:
        LessonProgressFactory(member=member, lesson=lesson, completed_at=now)
    current = daily.start_today(member)
    for answer in current.attempt.answers.all():
        right = answer_all(current.attempt)[answer.position]
        services.answer_and_mark(
            current.attempt, member=member, position=answer.position, response=right
        )
    CourseAssignmentFactory(
        course=course,
        deadline=timezone.localdate() + datetime.timedelta(days=3),
        organizations=[tree[0]],
    )
    CourseCompletionFactory(member=member, course=course, completed_at=now)
    ledger.recompute(member)
    assert points_of(member, "lesson_completed") == 4
    assert points_of(member, "daily_correct") == 5  # five right, cap 5
    assert points_of(member, "required_on_time") == 10


def test_required_course_finished_late_earns_nothing(course, member, tree):
    CourseAssignmentFactory(
        course=course,
        deadline=timezone.localdate() - datetime.timedelta(days=3),
        organizations=[tree[1]],
    )
    CourseCompletionFactory(member=member, course=course)
    ledger.recompute(member)
    assert points_of(member, "required_on_time") == 0


def test_recompute_is_idempotent_and_follows_rule_changes(member):
    StudyDayFactory(member=member, day=datetime.date(2026, 12, 1), seconds=3000)
    assert ledger.recompute(member) == 1
    before = list(PointEntry.objects.values_list("pk", "points"))
    assert ledger.recompute(member) == 0
    call_command("recompute_points", stdout=io.StringIO())
    assert list(PointEntry.objects.values_list("pk", "points")) == before
    study = rule("study_minutes")
    study.points, study.daily_cap = 2, 0
    study.save()
    ledger.recompute(member)  # also run by the task a rule change enqueues
    assert points_of(member) == 10
    study.is_active = False
    study.save()
    ledger.recompute(member)
    assert not PointEntry.objects.exists()


def test_graded_attempt_enqueues_the_recompute(
    quiz, member, django_capture_on_commit_callbacks
):
    attempt = services.start_attempt(quiz, member)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    assert points_of(member, "quiz_passed") == 3


def test_command_reports_what_it_did(member):
    StudyDayFactory(member=member, day=timezone.localdate(), seconds=1200)
    out = io.StringIO()
    call_command("recompute_points", "--days", "2", stdout=out)
    assert "重算 1 名党员的学习积分，变动 1 条记录" in out.getvalue()


# ---- members' pages ---------------------------------------------------------------


def test_me_and_my_points_page(member):
    today = daily.local_day()
    StudyDayFactory(member=member, day=today, seconds=1800)
    StudyDayFactory(member=member, day=today - datetime.timedelta(days=1), seconds=600)
    client = client_for(member.user)
    me = client.get("/me/").content.decode()
    assert "累计积分 4" in me and 'id="me-points-today">3<' in me
    page = client.get("/me/points/").content.decode()
    assert 'id="points-total">4<' in page and "学习 30 分钟" in page
    assert client.get("/me/points/", {"page": "abc"}).status_code == 400


def test_my_points_for_non_members_and_anonymous(db):
    staff = get_user_model().objects.create_user("editor", password="x")
    assert client_for(staff).get("/me/points/").status_code == 403
    response = Client().get("/me/points/")
    assert response.status_code == 302 and "login" in response["Location"]


# ---- staff rankings ---------------------------------------------------------------


@pytest.fixture
def scored(tree):
    """第一党支部: 2 members with 6 and 0 points (3 per member); 第二党支部: 4 members
    with 2 each (2 per member) but a larger total of 8."""
    _committee, first, second = tree
    day = datetime.date(2026, 12, 1)
    people = [(first, '=HYPERLINK("x")', 3600), (first, "王芳", 0)]
    people += [(second, f"李{n}", 1200) for n in range(4)]
    members = []
    for organization, name, seconds in people:
        member = MemberFactory(organization=organization, real_name=name)
        if seconds:
            StudyDayFactory(member=member, day=day, seconds=seconds)
        ledger.recompute(member)
        members.append(member)
    return members


def test_branches_rank_by_points_per_member(scored, tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree[0]))
    response = client.get("/admin/points/ranking/")
    assert response.status_code == 200
    rows = response.context["branches"]
    assert [r.organization.name for r in rows] == ["第一党支部", "第二党支部"]
    assert [r.points for r in rows] == [6, 8]
    assert [round(r.average, 2) for r in rows] == [3.0, 2.0]
    ranked = response.context["members"].object_list
    assert ranked[0].points == 6 and ranked[-1].points == 0


def test_leader_sees_only_their_branch(scored, tree):
    leader = make_staff_user(LEADER, scope=tree[2])
    response = client_for(leader).get("/admin/points/ranking/")
    assert response.status_code == 200
    names = {row.member.organization.name for row in response.context["members"]}
    assert names == {"第二党支部"}
    outside = client_for(leader).get("/admin/points/ranking/", {"org": tree[1].pk})
    assert outside.status_code == 403
    export = client_for(leader).get(
        "/admin/points/ranking/", {"export": "xlsx", "table": "members"}
    )
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 5  # header and the four members of 第二党支部


def test_export_is_formula_safe(scored, tree):
    client = client_for(make_staff_user(SITE_ADMIN))
    response = client.get(
        "/admin/points/ranking/", {"export": "xlsx", "table": "members"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["名次", "姓名", "所在党组织", "积分"]
    assert sheet["B2"].value == '\'=HYPERLINK("x")' and sheet["D2"].value == 6
    branches = client.get(
        "/admin/points/ranking/", {"export": "xlsx", "table": "branches"}
    )
    sheet = load_workbook(io.BytesIO(branches.content)).active
    assert [c.value for c in sheet[2]][:2] == [1, "第一党支部"]


@pytest.mark.parametrize("role", [PUBLICIST, REVIEWER, MAILBOX_HANDLER])
def test_roles_without_the_ranking_are_refused(scored, tree, role):
    client = client_for(make_staff_user(role, scope=tree[0]))
    for query in ({}, {"export": "xlsx"}):
        response = client.get("/admin/points/ranking/", query)
        assert response.status_code == 403
        assert "没有查看积分排行的权限" in response.content.decode()


def test_members_are_refused_the_ranking(scored):
    response = client_for(scored[0].user).get("/admin/points/ranking/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_bad_parameters_are_400(scored, tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree[0]))
    for query in ({"period": "week"}, {"org": "x"}, {"export": "pdf"}, {"page": "-1"}):
        assert client.get("/admin/points/ranking/", query).status_code == 400, query


def test_rules_are_edited_not_added(db):
    admin = make_staff_user(SCHOOL_ADMIN)
    client = client_for(admin)
    study = rule("study_minutes")
    response = client.post(
        f"/admin/points/rules/edit/{study.pk}/",
        {"points": "2", "daily_cap": "8", "is_active": "on", "sort_order": "0"},
    )
    assert response.status_code == 302
    study.refresh_from_db()
    assert (study.points, study.daily_cap) == (2, 8)
    assert client.get("/admin/points/rules/new/").status_code in (302, 403)
    assert client.get(f"/admin/points/rules/delete/{study.pk}/").status_code in (
        302,
        403,
    )
    assert PointRule.objects.count() == 7
    leader = client_for(make_staff_user(LEADER))
    assert leader.get(f"/admin/points/rules/edit/{study.pk}/").status_code == 302


def test_recompute_and_daily_answer_cost_a_bounded_number_of_queries(
    quiz, course, bank, member, client
):
    """Printed figures: queries of one member's recompute and of one 每日答题 answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for lesson in course.lessons:
        LessonProgressFactory(member=member, lesson=lesson, completed_at=timezone.now())
    StudyDayFactory(member=member, day=daily.local_day(), seconds=3600)
    attempt = services.start_attempt(quiz, member)
    services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    ledger.recompute(member)
    with CaptureQueriesContext(connection) as recompute_queries:
        ledger.recompute(member)
    client.force_login(member.user)
    client.post("/exams/daily/start/")
    current = daily.today_set(member)
    answer = current.attempt.answers.get(position=1)
    with CaptureQueriesContext(connection) as answer_queries:
        response = client.post(
            "/exams/daily/answer/",
            data={"position": 1, "answer": answer_all(current.attempt)[1]},
            content_type="application/json",
        )
    assert response.status_code == 200 and answer.pk
    sys.stdout.write(
        f"\nrecompute: {len(recompute_queries)} queries; "
        f"daily answer: {len(answer_queries)} queries\n"
    )
    assert len(recompute_queries) <= 15
    assert len(answer_queries) <= 20
