"""网上调查 in a browser (issue 16): a member answers a survey on a 390 px phone, the
results chart shows what the database holds; the branch's staff read the same results
in the admin, the other branch's staff get 403."""

import pytest
from django.db.models import Count
from playwright.sync_api import expect

from members.roles import PUBLICIST
from surveys import services
from surveys.models import Answer
from tests.members.factories import MemberFactory, make_staff_user
from tests.surveys.conftest import form
from tests.surveys.factories import SurveyFactory

from .conftest import DESKTOP, PHONE
from .steps import fits, sign_in


@pytest.fixture
def site(branches):
    branch = branches["a"]
    survey = SurveyFactory(
        title="主题党日活动满意度调查",
        intro="请对本月主题党日活动作出评价，匿名填写。",
        owner=branch,
        audience="organization",
        audience_organization=branch,
        results_visibility="respondents",
    )
    for single, multiple, rating in [("0", ("0", "2"), "4"), ("1", ("1",), "2")]:
        services.submit_response(
            survey,
            form(survey, single, multiple, rating),
            user=MemberFactory(organization=branch).user,
        )
    MemberFactory(real_name="孙明", organization=branch, user__username="sv_member")
    make_staff_user(PUBLICIST, scope=branch, username="sv_staff")
    make_staff_user(PUBLICIST, scope=branches["b"], username="sv_other")
    return {"survey": survey}


def _chart(page) -> list[list[tuple[int, int]]]:
    """Per choice question, (count, percent) of each bar, read from the page, with
    the fill width the browser drew (percent of the track)."""
    out = []
    for section in page.locator(".sv-result").all():
        bars = []
        for bar in section.locator("[data-testid=bar]").all():
            count = int(bar.get_attribute("data-count"))
            percent = int(bar.get_attribute("data-percent"))
            drawn = bar.evaluate(
                "b => Math.round(100 * b.querySelector('.sv-bar-fill').getBoundingClientRect().width"
                " / b.querySelector('.sv-bar-track').getBoundingClientRect().width)"
            )
            assert abs(drawn - percent) <= 1, (drawn, percent)
            assert f"{count} 人 · {percent}%" in bar.inner_text()
            bars.append((count, percent))
        if bars:
            out.append(bars)
    return out


def _expected(survey) -> list[list[tuple[int, int]]]:
    """The same figures counted straight from the Answer table."""
    out = []
    for question in survey.questions.all():
        if not question.has_choices:
            continue
        answered = (
            Answer.objects.filter(question=question)
            .values("response")
            .distinct()
            .count()
        )
        counts = dict(
            Answer.objects.filter(question=question)
            .values_list("option")
            .annotate(n=Count("pk"))
        )
        out.append(
            [
                (counts.get(i, 0), round(100 * counts.get(i, 0) / answered))
                for i in range(len(question.choices))
            ]
        )
    return out


def test_member_answers_on_a_phone_and_the_chart_matches(new_page, site, screenshot):
    survey = site["survey"]
    phone = new_page(viewport=PHONE)
    sign_in(phone, "sv_member")
    phone.goto("/surveys/")
    phone.get_by_role("link", name=survey.title).click()
    expect(phone.get_by_test_id("survey-state")).to_have_text("进行中")
    assert fits(phone)
    # Sending with a required question unanswered keeps the page and says which.
    phone.get_by_role("button", name="提交答卷").click()
    expect(phone.get_by_test_id("survey-errors")).to_contain_text("请回答第 1 题")
    phone.get_by_label("很好").check()
    phone.get_by_label("理论学习").check()
    phone.get_by_label("志愿服务").check()
    phone.get_by_label("5 分").check()
    phone.get_by_label("建议").fill("希望多组织到红色教育基地现场学习。")
    assert fits(phone)
    screenshot(phone, "answer-390")
    phone.get_by_role("button", name="提交答卷").click()
    expect(phone.get_by_test_id("survey-done")).to_contain_text("答卷已提交")
    phone.get_by_role("link", name="查看调查结果").click()
    expect(phone.get_by_test_id("results-total")).to_have_text("3")
    assert survey.responses.count() == 3
    assert _chart(phone) == _expected(survey)
    assert _chart(phone)[0] == [(2, 67), (1, 33), (0, 0)]
    expect(phone.get_by_test_id("text-answer")).to_have_text(
        "希望多组织到红色教育基地现场学习。"
    )
    assert fits(phone)
    screenshot(phone, "results-390")
    # A second try is refused.
    phone.goto(f"/surveys/{survey.pk}/")
    expect(phone.get_by_test_id("survey-answered")).to_contain_text("已经提交过")

    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, "sv_member")
    desktop.goto(f"/surveys/{survey.pk}/results/")
    assert _chart(desktop) == _expected(survey)
    screenshot(desktop, "results-1366")

    staff = new_page(viewport=DESKTOP)
    sign_in(staff, "sv_staff")
    staff.goto("/admin/surveys/")
    staff.get_by_role("link", name="查看结果").first.click()
    expect(staff.get_by_test_id("results-total")).to_have_text("3")
    assert _chart(staff) == _expected(survey)
    screenshot(staff, "admin-results-1366")
    with staff.expect_download() as download:
        staff.get_by_role("link", name="导出答卷 Excel").click()
    assert download.value.suggested_filename == f"survey-{survey.pk}.xlsx"
    staff.goto(f"/admin/surveys/edit/{survey.pk}/")
    screenshot(staff, "admin-edit-1366")

    other = new_page(viewport=DESKTOP)
    sign_in(other, "sv_other")
    assert other.goto(f"/admin/surveys/{survey.pk}/results/").status == 403
    assert other.goto(f"/admin/surveys/edit/{survey.pk}/").status == 403
