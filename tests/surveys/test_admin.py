"""网上调查 in the admin: scope by 发起党组织 per role, inline questions, open and close,
results and the audited export."""

import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from members.models import SecurityEvent
from members.roles import (
    LEADER,
    MAILBOX_HANDLER,
    MEMBER,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
)
from surveys import services
from surveys.models import Survey
from tests.audit_log import logged_actions
from tests.members.factories import MemberFactory, make_site_admin, make_staff_user
from tests.surveys.factories import SurveyFactory

from .conftest import form

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveys(tree):
    return (
        SurveyFactory(title="甲支部调查", owner=tree["a"]),
        SurveyFactory(title="乙支部调查", owner=tree["b"]),
    )


@pytest.fixture
def staff_a(tree):
    return make_staff_user(PUBLICIST, scope=tree["a"], username="xc_a")


def test_scoped_publicist_sees_and_changes_only_their_surveys(client, surveys, staff_a):
    mine, other = surveys
    client.force_login(staff_a)
    index = client.get(reverse("surveys_admin:index")).content.decode()
    assert mine.title in index and other.title not in index
    assert client.get(reverse("surveys_admin:edit", args=[mine.pk])).status_code == 200
    for url in (
        reverse("surveys_admin:edit", args=[other.pk]),
        reverse("surveys_admin:delete", args=[other.pk]),
        reverse("surveys_admin:history", args=[other.pk]),
        reverse("surveys_results", args=[other.pk]),
        reverse("surveys_results", args=[other.pk]) + "?export=xlsx",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("surveys_close", args=[other.pk])).status_code == 403
    assert (
        client.post(reverse("surveys_admin:delete", args=[other.pk])).status_code == 403
    )
    other.refresh_from_db()
    assert other.state() == "open"


def test_site_admin_sees_every_survey(client, surveys):
    client.force_login(make_site_admin())
    index = client.get(reverse("surveys_admin:index")).content.decode()
    assert all(s.title in index for s in surveys)


@pytest.mark.parametrize("role", [REVIEWER, SCHOOL_ADMIN, MAILBOX_HANDLER, LEADER])
def test_other_roles_get_403(client, surveys, tree, role):
    client.force_login(make_staff_user(role, scope=tree["a"]))
    for url in (
        reverse("surveys_admin:index"),
        reverse("surveys_admin:add"),
        reverse("surveys_results", args=[surveys[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, (role, url)
        assert "网上调查由站点管理员和宣传员管理" in response.content.decode()


def test_publicist_without_scope_and_member_get_403(client, surveys):
    client.force_login(make_staff_user(PUBLICIST))
    assert client.get(reverse("surveys_admin:index")).status_code == 403
    member = MemberFactory()
    member.user.groups.add(Group.objects.get(name=MEMBER))
    client.force_login(member.user)
    assert client.get(reverse("surveys_results", args=[surveys[0].pk])).status_code in (
        302,
        403,
    )


def _create_data(owner, **extra):
    data = {
        "title": "党员教育培训需求调查",
        "intro": "请根据实际情况填写。",
        "owner": owner.pk,
        "audience": "members",
        "audience_organization": "",
        "anonymous": "on",
        "opens_at": "2026-01-01 08:00",
        "closes_at": "2036-01-01 08:00",
        "results_visibility": "respondents",
        "is_published": "on",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "1",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-kind": "single",
        "questions-0-text": "最希望的学习形式",
        "questions-0-options": "集中授课\n网上党校\n现场教学",
        "questions-0-required": "on",
        "questions-0-ORDER": "1",
        "questions-1-kind": "text",
        "questions-1-text": "其他建议",
        "questions-1-options": "",
        "questions-1-ORDER": "2",
    }
    data.update(extra)
    return data


def test_publicist_creates_a_survey_with_questions_inline(client, tree, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("surveys_admin:add"), _create_data(tree["a"]))
    assert response.status_code == 302, response.content.decode()[-3000:]
    survey = Survey.objects.get(title="党员教育培训需求调查")
    assert survey.owner == tree["a"] and survey.created_by == staff_a
    assert [q.text for q in survey.questions.all()] == ["最希望的学习形式", "其他建议"]
    assert {"surveys.create", "surveys.open"} <= set(logged_actions(survey))


def test_creating_for_an_organisation_outside_the_scope_is_403(client, tree, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("surveys_admin:add"), _create_data(tree["b"]))
    assert response.status_code == 403
    assert not Survey.objects.exists()


def test_a_choice_question_needs_options(client, tree, staff_a):
    client.force_login(staff_a)
    data = _create_data(tree["a"], **{"questions-0-options": "只有一项"})
    response = client.post(reverse("surveys_admin:add"), data)
    assert response.status_code == 200
    assert "选择题须有 2—12 个选项" in response.content.decode()
    assert not Survey.objects.exists()


def test_questions_are_locked_once_answered_and_answered_surveys_stay(
    client, surveys, tree, staff_a
):
    mine = surveys[0]
    services.submit_response(
        mine, form(mine), user=MemberFactory(organization=tree["a"]).user
    )
    client.force_login(staff_a)
    edit = client.get(reverse("surveys_admin:edit", args=[mine.pk]))
    assert edit.status_code == 200
    questions = list(mine.questions.all())
    data = {
        "title": mine.title,
        "intro": "",
        "owner": tree["a"].pk,
        "audience": "members",
        "audience_organization": "",
        "anonymous": "on",
        "opens_at": mine.opens_at.strftime("%Y-%m-%d %H:%M"),
        "closes_at": mine.closes_at.strftime("%Y-%m-%d %H:%M"),
        "results_visibility": "staff",
        "is_published": "on",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "1",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for i, q in enumerate(questions):
        data.update(
            {
                f"questions-{i}-id": q.pk,
                f"questions-{i}-kind": q.kind,
                f"questions-{i}-text": q.text,
                f"questions-{i}-options": q.options,
                f"questions-{i}-ORDER": str(i + 1),
            }
        )
        if q.required:
            data[f"questions-{i}-required"] = "on"
    data["questions-0-options"] = "很好\n较差\n一般"  # reordered options
    response = client.post(reverse("surveys_admin:edit", args=[mine.pk]), data)
    assert response.status_code == 200 and "已有答卷" in response.content.decode()
    assert mine.questions.first().options == "很好\n一般\n较差"
    assert (
        client.post(reverse("surveys_admin:delete", args=[mine.pk])).status_code == 403
    )
    assert Survey.objects.filter(pk=mine.pk).exists()


def test_close_and_open_are_audited(client, surveys, staff_a):
    mine = surveys[0]
    client.force_login(staff_a)
    assert client.post(reverse("surveys_close", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.state() == "closed"
    assert client.get(reverse("surveys_close", args=[mine.pk])).status_code == 405
    again = client.post(reverse("surveys_close", args=[mine.pk]), follow=True)
    assert "只有已发布且未结束的调查才能结束" in again.content.decode()
    draft = SurveyFactory(title="草稿", owner=mine.owner, is_published=False)
    client.post(reverse("surveys_open", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.is_published
    assert "surveys.close" in logged_actions(mine) and "surveys.open" in logged_actions(
        draft
    )
    history = client.get(
        reverse("surveys_admin:history", args=[mine.pk])
    ).content.decode()
    assert "结束调查" in history


def test_results_page_and_export_are_audited(client, surveys, tree, staff_a):
    mine = surveys[0]
    for single in ("0", "0", "2"):
        services.submit_response(
            mine,
            form(mine, single=single),
            user=MemberFactory(organization=tree["a"]).user,
        )
    client.force_login(staff_a)
    page = client.get(reverse("surveys_results", args=[mine.pk])).content.decode()
    assert 'data-testid="results-total">3<' in page
    assert 'data-count="2" data-percent="67"' in page
    response = client.get(reverse("surveys_results", args=[mine.pk]) + "?export=xlsx")
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert len(rows) == 4
    assert "surveys.export" in logged_actions(mine)
    event = SecurityEvent.objects.get(action="export")
    assert event.user == staff_a and mine.title in event.detail
    bad = client.get(reverse("surveys_results", args=[mine.pk]) + "?export=csv")
    assert bad.status_code == 400


def test_history_of_other_organisations_surveys_is_not_in_the_site_log(
    client, surveys, staff_a
):
    services.log_change(surveys[1], "surveys.open", by=make_site_admin())
    client.force_login(staff_a)
    page = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert surveys[1].title not in page


def test_the_results_button_is_on_its_own_survey_only(client, surveys, staff_a):
    """The edit page's 查看结果 button was appended to Wagtail's shared header list, so
    every later admin page (学习统计 among them) showed one per survey edit seen."""
    mine, _ = surveys
    client.force_login(staff_a)
    results = reverse("surveys_results", args=[mine.pk])
    for _ in range(3):
        page = client.get(reverse("surveys_admin:edit", args=[mine.pk])).content
        assert page.decode().count(f'href="{results}"') == 1
    delete = client.get(reverse("surveys_admin:delete", args=[mine.pk])).content
    assert "查看结果" not in delete.decode()
