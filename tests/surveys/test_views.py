"""网上调查 public pages: answering once, audiences, the visitor cookie, results."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from members.roles import PUBLICIST
from surveys.models import Response
from surveys.views import VISITOR_COOKIE
from tests.members.factories import MemberFactory, make_staff_user
from tests.surveys.factories import SurveyFactory

from .conftest import form

pytestmark = pytest.mark.django_db


def post(client, survey, **answers):
    return client.post(
        reverse("surveys:answer", args=[survey.pk]), form(survey, **answers)
    )


def test_member_answers_once_and_sees_results_when_allowed(client, tree):
    survey = SurveyFactory(owner=tree["committee"], results_visibility="respondents")
    member = MemberFactory(organization=tree["a"])
    client.force_login(member.user)
    page = client.get(reverse("surveys:answer", args=[survey.pk]))
    assert page.status_code == 200 and "提交答卷" in page.content.decode()
    assert client.get(reverse("surveys:results", args=[survey.pk])).status_code == 403
    response = post(client, survey)
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:done", args=[survey.pk])
    assert "查看调查结果" in client.get(response["Location"]).content.decode()
    again = post(client, survey, single="1")
    assert again.status_code == 400 and "每人只能提交一次" in again.content.decode()
    assert Response.objects.count() == 1
    results = client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert 'data-testid="results-total">1<' in results
    assert (
        "已经提交过"
        in client.get(reverse("surveys:answer", args=[survey.pk])).content.decode()
    )


def test_bad_answers_are_refused_in_chinese_and_keep_the_choices(client, tree):
    survey = SurveyFactory(owner=tree["committee"])
    client.force_login(MemberFactory(organization=tree["a"]).user)
    response = post(client, survey, single="9", text="保留的建议")
    body = response.content.decode()
    assert response.status_code == 400
    assert "第 1 题的选项无效" in body and "保留的建议" in body
    assert not Response.objects.exists()


def test_results_stay_with_staff_unless_the_survey_opens_them(client, tree):
    survey = SurveyFactory(owner=tree["committee"])  # results_visibility: staff
    member = MemberFactory(organization=tree["a"])
    client.force_login(member.user)
    post(client, survey)
    closed = client.get(reverse("surveys:results", args=[survey.pk]))
    assert (
        closed.status_code == 403
        and "只向发起组织的管理人员公开" in closed.content.decode()
    )
    client.force_login(make_staff_user(PUBLICIST, scope=tree["committee"]))
    assert client.get(reverse("surveys:results", args=[survey.pk])).status_code == 200
    client.force_login(make_staff_user(PUBLICIST, scope=tree["b"]))
    assert client.get(reverse("surveys:results", args=[survey.pk])).status_code == 403


def test_members_survey_asks_visitors_to_log_in_and_refuses_others(client, tree):
    survey = SurveyFactory(
        owner=tree["committee"],
        audience="organization",
        audience_organization=tree["a"],
    )
    page = client.get(reverse("surveys:answer", args=[survey.pk]))
    assert page.status_code == 403 and "登录后参加" in page.content.decode()
    assert post(client, survey).status_code == 400
    client.force_login(MemberFactory(organization=tree["b"]).user)
    page = client.get(reverse("surveys:answer", args=[survey.pk]))
    assert page.status_code == 403 and "不在调查范围内" in page.content.decode()
    assert "提交答卷" not in page.content.decode()
    assert post(client, survey).status_code == 400
    assert not Response.objects.exists()


def test_public_survey_answered_once_per_browser_results_after_closing(client, tree):
    survey = SurveyFactory(
        owner=tree["committee"], audience="public", results_visibility="public"
    )
    page = client.get(reverse("surveys:answer", args=[survey.pk]))
    assert page.status_code == 200 and VISITOR_COOKIE in page.cookies
    assert post(client, survey).status_code == 302
    assert post(client, survey).status_code == 400
    other = type(client)()
    other.get(reverse("surveys:answer", args=[survey.pk]))
    assert post(other, survey).status_code == 302
    # A forged cookie counts as none.
    forged = type(client)()
    forged.cookies[VISITOR_COOKIE] = "a" * 32
    assert "Cookie" in post(forged, survey).content.decode()
    assert Response.objects.count() == 2
    stranger = type(client)()
    assert stranger.get(reverse("surveys:results", args=[survey.pk])).status_code == 403
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.save()
    results = stranger.get(reverse("surveys:results", args=[survey.pk]))
    assert results.status_code == 200
    bars = re.findall(
        r'data-count="(\d+)" data-percent="(\d+)"', results.content.decode()
    )
    assert bars[:3] == [("2", "100"), ("0", "0"), ("0", "0")]
    index = stranger.get(reverse("surveys:index")).content.decode()
    assert survey.title in index and "结果公开" in index


def test_closed_and_draft_surveys(client, tree):
    closed = SurveyFactory(
        owner=tree["committee"], closes_at=timezone.now() - datetime.timedelta(days=1)
    )
    draft = SurveyFactory(owner=tree["committee"], title="草稿调查", is_published=False)
    client.force_login(MemberFactory(organization=tree["a"]).user)
    page = client.get(reverse("surveys:answer", args=[closed.pk]))
    assert "已结束" in page.content.decode() and "提交答卷" not in page.content.decode()
    assert client.get(reverse("surveys:answer", args=[draft.pk])).status_code == 404
    assert client.get(reverse("surveys:results", args=[draft.pk])).status_code == 404
    assert "草稿调查" not in client.get(reverse("surveys:index")).content.decode()
    client.force_login(make_staff_user(PUBLICIST, scope=tree["committee"]))
    preview = client.get(reverse("surveys:answer", args=[draft.pk]))
    assert preview.status_code == 200 and "尚未开始" in preview.content.decode()


def test_index_lists_what_the_visitor_may_answer(client, tree):
    mine = SurveyFactory(
        owner=tree["committee"],
        title="甲支部调查",
        audience="organization",
        audience_organization=tree["a"],
    )
    theirs = SurveyFactory(
        owner=tree["committee"],
        title="乙支部调查",
        audience="organization",
        audience_organization=tree["b"],
    )
    client.force_login(MemberFactory(organization=tree["a"]).user)
    body = client.get(reverse("surveys:index")).content.decode()
    assert mine.title in body and theirs.title not in body
