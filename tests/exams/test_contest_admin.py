"""知识竞赛 in the admin (测验与考试): a branch's staff see and edit only contests whose
主办党组织 and 参赛党组织 lie in their part of the tree, and choose only those; results
published at the close when anyone reads the contest; participation by branch in the
statistics and its XLSX export."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from exams.models import Attempt
from members.roles import SCHOOL_ADMIN, SITE_ADMIN
from tests.exams.factories import ExamFactory, ExamRuleFactory
from tests.members.factories import MemberFactory, make_staff_user

from .conftest import client_for, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_contest(bank, tree):
    """A contest of 第二党支部 alone (its own 主办 and audience)."""
    _, _, second = tree
    exam = ExamFactory(
        contest=True, title="第二支部党规小测赛", organization=second, audience=[second]
    )
    ExamRuleFactory(exam=exam, count=2)
    return exam


def form_data(exam, **changes):
    data = {
        "title": exam.title, "kind": "contest", "lesson": "", "course": "",
        "organization": exam.organization_id,
        "audience": [o.pk for o in exam.audience.all()],
        "starts_at": timezone.localtime(exam.starts_at).strftime("%Y-%m-%d %H:%M"),
        "ends_at": timezone.localtime(exam.ends_at).strftime("%Y-%m-%d %H:%M"),
        "intro": "", "time_limit_minutes": 10, "max_attempts": 1, "pass_score": 60,
        "show_explanations": "on", "is_active": "on", "mode": "rules",
        "draw_rules-TOTAL_FORMS": 0, "draw_rules-INITIAL_FORMS": 0,
        "draw_rules-MIN_NUM_FORMS": 0, "draw_rules-MAX_NUM_FORMS": 1000,
        "fixed_questions-TOTAL_FORMS": 0, "fixed_questions-INITIAL_FORMS": 0,
        "fixed_questions-MIN_NUM_FORMS": 0, "fixed_questions-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    data.update(changes)
    return data


def test_branch_staff_see_and_edit_only_their_contests(contest, branch_contest, tree):
    # contest: 主办 集团党委, audience both branches; branch_contest: 第二党支部 only.
    staff = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree[2]))
    listing = staff.get("/admin/exams/exams/").content.decode()
    assert branch_contest.title in listing and contest.title not in listing
    # Wagtail's copy view asks the same policy and answers with its redirect.
    copy = staff.get(f"/admin/exams/exams/copy/{contest.pk}/")
    assert (copy.status_code, copy["Location"]) == (302, "/admin/")
    assert staff.get(f"/admin/exams/exams/copy/{branch_contest.pk}/").status_code == 200
    for action in ("edit", "delete", "history"):
        url = f"/admin/exams/exams/{action}/{contest.pk}/"
        assert staff.get(url).status_code == 403, url
        assert (
            staff.get(f"/admin/exams/exams/{action}/{branch_contest.pk}/").status_code
            == 200
        )
    response = staff.post(
        f"/admin/exams/exams/edit/{contest.pk}/", form_data(contest, title="改名")
    )
    assert response.status_code == 403
    contest.refresh_from_db()
    assert contest.title == "党章党规知识竞赛"
    response = staff.post(
        f"/admin/exams/exams/edit/{branch_contest.pk}/",
        form_data(branch_contest, title="第二支部党规竞赛（改）"),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    branch_contest.refresh_from_db()
    assert branch_contest.title == "第二支部党规竞赛（改）"


def test_branch_staff_cannot_choose_organisations_outside(branch_contest, tree):
    committee, first, second = tree
    staff = client_for(make_staff_user(SCHOOL_ADMIN, scope=second))
    page = staff.get(f"/admin/exams/exams/edit/{branch_contest.pk}/").content.decode()
    assert "第一党支部" not in page
    for changes in ({"audience": [first.pk]}, {"organization": committee.pk}):
        response = staff.post(
            f"/admin/exams/exams/edit/{branch_contest.pk}/",
            form_data(branch_contest, **changes),
        )
        assert response.status_code == 200  # the form again, with the error
        assert "选择一个有效的选项" in response.content.decode()
    branch_contest.refresh_from_db()
    assert list(branch_contest.audience.all()) == [second]
    assert branch_contest.organization_id == second.pk


@pytest.mark.parametrize("role", [SITE_ADMIN, SCHOOL_ADMIN])
def test_whole_tree_staff_see_every_contest(contest, branch_contest, tree, role):
    staff = client_for(make_staff_user(role, scope=tree[0]))
    listing = staff.get("/admin/exams/exams/").content.decode()
    assert contest.title in listing and branch_contest.title in listing
    assert staff.get(f"/admin/exams/exams/edit/{contest.pk}/").status_code == 200


def test_quizzes_stay_with_every_school_admin(quiz, tree):
    staff = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree[2]))
    assert quiz.title in staff.get("/admin/exams/exams/").content.decode()
    assert staff.get(f"/admin/exams/exams/edit/{quiz.pk}/").status_code == 200


def test_results_are_published_when_the_contest_is_read_after_the_close(
    contest, tree, member
):
    now = timezone.now()
    attempt = Attempt.objects.get(
        pk=take(contest, member, now=now - datetime.timedelta(minutes=30)).pk
    )
    other = MemberFactory(organization=tree[2])
    from exams import services

    # Started 20 minutes ago with a 10-minute limit, never handed in.
    left_open = services.start_attempt(
        contest, other, now=now - datetime.timedelta(minutes=20)
    )
    contest.ends_at = now - datetime.timedelta(seconds=10)
    contest.save()
    client = client_for(member.user)
    page = client.get(f"/exams/contests/{contest.pk}/").content.decode()
    assert "已结束" in page or "最终" in page or "成绩" in page
    left_open.refresh_from_db()
    assert not left_open.is_open and left_open.timed_out
    result = client.get(f"/exams/attempts/{attempt.public_id}/").content.decode()
    assert "正确答案" in result


def test_participation_by_branch_in_stats_and_export(contest, tree):
    _, first, second = tree
    takers = [MemberFactory(organization=first) for _ in range(2)]
    MemberFactory(organization=second)
    MemberFactory(organization=second, real_name="=1+1")
    for member in takers:
        take(contest, member)
    take(contest, MemberFactory(organization=second), right=False)
    client = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree[0]))
    page = client.get(f"/admin/exams/stats/{contest.pk}/")
    rows = page.context["participation"]
    assert [(r.name, r.members, r.participants) for r in rows] == [
        ("第一党支部", 2, 2),
        ("第二党支部", 3, 1),
    ]
    response = client.get(f"/admin/exams/stats/{contest.pk}/", {"export": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["参赛情况"]
    assert [c.value for c in sheet[1]] == [
        "名次", "党组织", "党员数", "参赛人数", "参赛率", "平均分", "人均得分"
    ]  # fmt: skip
    assert [c.value for c in sheet[2]][:5] == [1, "第一党支部", 2, 2, "100.0%"]
    leader = client_for(make_staff_user(SCHOOL_ADMIN, scope=second))
    rows = leader.get(f"/admin/exams/stats/{contest.pk}/").context["participation"]
    assert [r.name for r in rows] == ["第二党支部"]


@pytest.mark.parametrize(
    "field, value", [("lesson", "1\x00"), ("course", "1e400"), ("organization", "²"),
                     ("audience", "9" * 25), ("lesson", "9" * 25)],
)  # fmt: skip
def test_forged_row_choices_are_form_errors(quiz, tree, field, value):
    client = client_for(make_staff_user(SITE_ADMIN))
    data = {
        "title": "改名", "kind": "quiz", "lesson": quiz.lesson_id, "mode": "rules",
        "time_limit_minutes": 10, "max_attempts": 1, "pass_score": 60, field: value,
    }  # fmt: skip
    response = client.post(f"/admin/exams/exams/edit/{quiz.pk}/", data)
    assert response.status_code == 200
    quiz.refresh_from_db()
    assert quiz.title == "第一讲随堂测验"
