"""The 测验与考试 form's inline rows (抽题规则, 固定试题, issue 15): a row id that is not
one of this exam's rows is a form error; another exam's rows are never changed,
moved or deleted, whatever the id says."""

import pytest
from django.test import Client

from exams.models import Exam, ExamQuestion, ExamRule
from members.roles import SCHOOL_ADMIN
from tests.members.factories import make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def exams(course, bank, category):
    """Exam A (a quiz with one draw rule) and exam B (a fixed final) of the course."""
    a = Exam.objects.create(
        title="第一讲随堂测验", kind=Exam.Kind.QUIZ, lesson=course.lessons[0]
    )
    rule_a = ExamRule.objects.create(exam=a, kind="judge", count=2, sort_order=0)
    b = Exam.objects.create(
        title="结业考试", kind=Exam.Kind.FINAL, course=course, mode="fixed"
    )
    rule_b = ExamRule.objects.create(exam=b, kind="single", count=3, sort_order=0)
    fixed_b = ExamQuestion.objects.create(exam=b, question=bank[0], sort_order=0)
    return {"a": a, "b": b, "rule_a": rule_a, "rule_b": rule_b, "fixed_b": fixed_b}


def form_for(exam, course, rule_id, *, fixed=None, delete=False):
    data = {
        "title": exam.title, "kind": "quiz", "lesson": course.lessons[0].pk,
        "course": "", "intro": "", "time_limit_minutes": 10, "max_attempts": 3,
        "pass_score": 60, "show_explanations": "on", "is_active": "on",
        "mode": "rules",
        "draw_rules-TOTAL_FORMS": 1, "draw_rules-INITIAL_FORMS": 1,
        "draw_rules-MIN_NUM_FORMS": 0, "draw_rules-MAX_NUM_FORMS": 1000,
        "draw_rules-0-id": rule_id, "draw_rules-0-kind": "judge",
        "draw_rules-0-category": "", "draw_rules-0-difficulty": "",
        "draw_rules-0-count": 9, "draw_rules-0-ORDER": 1,
        "fixed_questions-TOTAL_FORMS": 0, "fixed_questions-INITIAL_FORMS": 0,
        "fixed_questions-MIN_NUM_FORMS": 0, "fixed_questions-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    if delete:
        data["draw_rules-0-DELETE"] = "on"
    if fixed is not None:
        data.update(
            {
                "fixed_questions-TOTAL_FORMS": 1,
                "fixed_questions-INITIAL_FORMS": 1,
                "fixed_questions-0-id": fixed[0],
                "fixed_questions-0-question": fixed[1],
                "fixed_questions-0-ORDER": 1,
            }
        )
    return data


def post(exam, data):
    client = Client()
    client.force_login(make_staff_user(SCHOOL_ADMIN))
    return client.post(f"/admin/exams/exams/edit/{exam.pk}/", data)


def unchanged(exams):
    rule_b = ExamRule.objects.get(pk=exams["rule_b"].pk)
    fixed_b = ExamQuestion.objects.get(pk=exams["fixed_b"].pk)
    return (
        rule_b.exam_id == exams["b"].pk
        and (rule_b.kind, rule_b.count) == ("single", 3)
        and fixed_b.exam_id == exams["b"].pk
        and fixed_b.question_id == exams["fixed_b"].question_id
    )


def test_own_row_ids_are_edited(exams, course):
    response = post(exams["a"], form_for(exams["a"], course, exams["rule_a"].pk))
    assert response.status_code == 302, (
        response.context["form"].formsets["draw_rules"].errors
    )
    rule = ExamRule.objects.get(pk=exams["rule_a"].pk)
    assert (rule.kind, rule.count) == ("judge", 9)


@pytest.mark.parametrize("delete", [False, True])
def test_another_exams_rule_id_is_a_form_error(exams, course, delete):
    response = post(
        exams["a"], form_for(exams["a"], course, exams["rule_b"].pk, delete=delete)
    )
    assert 200 <= response.status_code < 500
    assert response.status_code != 302
    assert "抽题规则中有不属于本考试的行" in response.content.decode()
    assert unchanged(exams)
    assert ExamRule.objects.filter(exam=exams["a"]).count() == 1


def test_another_exams_fixed_question_id_is_a_form_error(exams, course, bank):
    data = form_for(
        exams["a"],
        course,
        exams["rule_a"].pk,
        fixed=(exams["fixed_b"].pk, bank[1].pk),
    )
    response = post(exams["a"], data)
    assert response.status_code != 302
    assert unchanged(exams)


@pytest.mark.parametrize("hostile", ["abc", "-1", "99999999999999999999", "1e3", ""])
def test_malformed_row_ids_are_form_errors(exams, course, hostile):
    response = post(exams["a"], form_for(exams["a"], course, hostile))
    assert 200 <= response.status_code < 500 and response.status_code != 302
    assert unchanged(exams)


def test_a_new_exam_cannot_claim_another_exams_rows(exams, course):
    data = form_for(
        exams["a"],
        course,
        exams["rule_b"].pk,
        fixed=(exams["fixed_b"].pk, exams["fixed_b"].question_id),
    )
    data["title"] = "冒名的测验"
    client = Client()
    client.force_login(make_staff_user(SCHOOL_ADMIN))
    response = client.post("/admin/exams/exams/new/", data)
    assert response.status_code == 200
    assert "抽题规则、固定试题中有不属于本考试的行" in response.content.decode()
    assert not Exam.objects.filter(title="冒名的测验").exists()
    assert unchanged(exams)


@pytest.mark.parametrize(
    "url", ["/admin/exams/exams/copy/{a}/", "/admin/exams/questions/copy/{q}/"]
)
def test_posting_to_a_copy_address_never_saves_over_the_original(exams, bank, url):
    """The copy page posts to 新建; posted to the copy address itself, the form would
    be bound to the original row and save over it."""
    client = Client()
    client.force_login(make_staff_user(SCHOOL_ADMIN))
    url = url.format(a=exams["a"].pk, q=bank[0].pk)
    page = client.get(url)
    assert page.status_code == 200
    assert 'action="/admin/exams/' in page.content.decode()
    response = client.post(url, {"title": "复制的测验", "stem": "改过的题干"})
    assert response.status_code == 405
    exams["a"].refresh_from_db()
    bank[0].refresh_from_db()
    assert exams["a"].title == "第一讲随堂测验"
    assert bank[0].stem != "改过的题干"
