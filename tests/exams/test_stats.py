"""Exam statistics for staff: per 党组织, distribution, per question; scope; export."""

import io

import pytest
from openpyxl import load_workbook

from exams import services
from members.roles import LEADER, MAILBOX_HANDLER, PUBLICIST, REVIEWER, SCHOOL_ADMIN
from tests.members.factories import MemberFactory, make_staff_user

from .conftest import answer_all, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(quiz, tree):
    _, first, second = tree
    outcomes = [(first, True), (first, False), (second, False)]
    for organization, right in outcomes:
        member = MemberFactory(organization=organization)
        attempt = services.start_attempt(quiz, member)
        responses = answer_all(attempt, right=right)
        services.submit_attempt(attempt, member=member, responses=responses)
    return quiz


def test_stats_by_branch_distribution_and_question(results, tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    page = client.get(f"/admin/exams/stats/{results.pk}/").content.decode()
    assert "答卷 3 份，参考 3 人，通过 1 人，通过率 33%" in page
    assert "第一党支部" in page and "第二党支部" in page
    assert "60 分以下" in page
    # Wrong answers chose an option that was not the key: it is named per question.
    assert "人次）" in page
    listing = client.get("/admin/exams/stats/").content.decode()
    assert results.title in listing


def test_branch_admin_sees_only_their_branch(results, tree):
    leader = make_staff_user(LEADER, scope=tree[2])
    page = client_for(leader).get(f"/admin/exams/stats/{results.pk}/").content.decode()
    assert "答卷 1 份" in page and "第一党支部" not in page


def test_export_is_an_xlsx_with_three_sheets(results):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    response = client.get(f"/admin/exams/stats/{results.pk}/", {"export": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["各党组织", "分数分布", "各题正确率"]
    assert book["各党组织"].max_row == 3


@pytest.mark.parametrize("role", [PUBLICIST, REVIEWER, MAILBOX_HANDLER])
def test_roles_without_the_report_are_refused(results, tree, role):
    client = client_for(make_staff_user(role, scope=tree[0]))
    for url in ("/admin/exams/stats/", f"/admin/exams/stats/{results.pk}/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_members_are_refused(results, member):
    response = client_for(member.user).get("/admin/exams/stats/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
