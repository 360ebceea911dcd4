"""网上调查 services: who may answer, once only, bad answers, results, export."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from members.exports import export_bytes
from members.ratelimit import RateLimited
from surveys import services
from surveys.models import Answer, Response
from tests.members.factories import MemberFactory, OrganizationFactory
from tests.surveys.factories import SurveyFactory

from .conftest import form

pytestmark = pytest.mark.django_db


def test_member_answers_once_and_anonymous_response_keeps_no_account(tree):
    survey = SurveyFactory(owner=tree["committee"])
    member = MemberFactory(organization=tree["a"])
    response = services.submit_response(survey, form(survey), user=member.user)
    assert response.member is None
    assert member.user.username not in response.respondent_key
    assert Answer.objects.filter(response=response).count() == 4  # 1 + 2 + 1
    with pytest.raises(ValidationError, match="每人只能提交一次"):
        services.submit_response(survey, form(survey), user=member.user)
    assert Response.objects.count() == 1


def test_the_database_refuses_a_second_response_of_the_same_person(tree):
    from django.db import IntegrityError, transaction

    survey = SurveyFactory(owner=tree["committee"])
    member = MemberFactory(organization=tree["a"])
    response = services.submit_response(survey, form(survey), user=member.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, respondent_key=response.respondent_key)


def test_real_name_survey_keeps_the_member(tree):
    survey = SurveyFactory(owner=tree["committee"], anonymous=False)
    member = MemberFactory(organization=tree["a"], real_name="王芳")
    assert services.submit_response(survey, form(survey), user=member.user).member == (
        member
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"closes_at": timezone.now() - datetime.timedelta(minutes=1)}, "已结束"),
        ({"opens_at": timezone.now() + datetime.timedelta(hours=1)}, "尚未开始"),
        ({"is_published": False}, "尚未开始"),
    ],
)
def test_outside_the_window_is_refused(tree, fields, message):
    survey = SurveyFactory(owner=tree["committee"], **fields)
    member = MemberFactory(organization=tree["a"])
    with pytest.raises(ValidationError, match=message):
        services.submit_response(survey, form(survey), user=member.user)
    assert not Response.objects.exists()


def test_organisation_audience_admits_members_below_it_only(tree):
    survey = SurveyFactory(
        owner=tree["committee"],
        audience="organization",
        audience_organization=tree["a"],
    )
    inside = MemberFactory(organization=OrganizationFactory(parent=tree["a"]))
    outside = MemberFactory(organization=tree["b"])
    services.submit_response(survey, form(survey), user=inside.user)
    with pytest.raises(ValidationError, match="不在调查范围内"):
        services.submit_response(survey, form(survey), user=outside.user)
    with pytest.raises(ValidationError, match="请先登录"):
        services.submit_response(survey, form(survey), token="t" * 32)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"single": "7"}, "第 1 题的选项无效"),
        ({"single": "-1"}, "第 1 题的选项无效"),
        ({"single": "²"}, "第 1 题的选项无效"),
        ({"multiple": ("0", "99")}, "第 2 题的选项无效"),
        ({"rating": "5"}, "第 3 题的选项无效"),
        ({"single": ""}, "请回答第 1 题"),
        ({"text": "长" * 1001}, "第 4 题的回答不能超过"),
    ],
)
def test_tampered_or_missing_answers_store_nothing(tree, answers, message):
    survey = SurveyFactory(owner=tree["committee"])
    member = MemberFactory(organization=tree["a"])
    with pytest.raises(ValidationError, match=message):
        services.submit_response(survey, form(survey, **answers), user=member.user)
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_two_choices_on_a_single_choice_question_are_refused(tree):
    survey = SurveyFactory(owner=tree["committee"])
    data = form(survey)
    data.setlist(f"q{survey.questions.first().pk}", ["0", "1"])
    with pytest.raises(ValidationError, match="只能选一项"):
        services.submit_response(
            survey, data, user=MemberFactory(organization=tree["a"]).user
        )


@override_settings(PORTAL_SURVEYS_PUBLIC_PER_IP=(2, 3600))
def test_public_survey_is_guarded_by_cookie_and_address(tree):
    survey = SurveyFactory(owner=tree["committee"], audience="public")
    services.submit_response(survey, form(survey), token="a" * 32, ip="192.0.2.1")
    with pytest.raises(ValidationError, match="每人只能提交一次"):
        services.submit_response(survey, form(survey), token="a" * 32, ip="192.0.2.1")
    services.submit_response(survey, form(survey), token="b" * 32, ip="192.0.2.1")
    with pytest.raises(RateLimited):
        services.submit_response(survey, form(survey), token="c" * 32, ip="192.0.2.1")
    with pytest.raises(ValidationError, match="Cookie"):
        services.submit_response(survey, form(survey), ip="192.0.2.2")
    assert Response.objects.count() == 2


def test_results_count_what_was_answered(tree):
    survey = SurveyFactory(owner=tree["committee"])
    for single, multiple, rating, text in [
        ("0", ("0", "2"), "4", "多组织实地参观"),
        ("0", ("1",), "3", ""),
        ("1", ("0", "1", "2"), "2", '=HYPERLINK("x")'),
    ]:
        services.submit_response(
            survey,
            form(survey, single, multiple, rating, text),
            user=MemberFactory(organization=tree["a"]).user,
        )
    total, results = services.results(survey)
    assert total == 3
    assert [o.count for o in results[0].options] == [2, 1, 0]
    assert [o.percent for o in results[0].options] == [67, 33, 0]
    assert [o.count for o in results[1].options] == [2, 2, 2]
    assert results[2].average == round((5 + 4 + 3) / 3, 2)
    assert results[3].answered == 2
    assert results[3].texts == ["多组织实地参观", '=HYPERLINK("x")']

    xlsx = export_bytes([services.export_sheet(survey)], "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[1][2:5] == ("很好", "理论学习；参观教育基地", "5 分")
    assert rows[3][5] == '\'=HYPERLINK("x")'  # never a formula
