"""Members' pages through the test client: the key never reaches the browser before
hand-in, answers saved as JSON, refusals in Chinese, results, panels on school pages."""

import json
import re

import pytest
from django.test import Client

from exams import services
from exams.models import Attempt
from tests.members.factories import make_staff_user

from .conftest import answer_all

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf(client, url):
    page = client.get(url)
    return re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()
    )[1]


def start(client, exam):
    token = csrf(client, f"/exams/{exam.pk}/")
    response = client.post(f"/exams/{exam.pk}/start/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    return Attempt.objects.get(public_id=response["Location"].split("/")[-2])


def save(client, attempt, token, position, answer):
    return client.post(
        f"/exams/attempts/{attempt.public_id}/answer/",
        json.dumps({"position": position, "answer": answer}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )


def test_lesson_and_course_pages_show_their_exams(quiz, final, member):
    client = client_for(member.user)
    lesson_page = client.get(quiz.lesson.url).content.decode()
    assert (
        "随堂测验：第一讲随堂测验" in lesson_page
        and f"/exams/{quiz.pk}/" in lesson_page
    )
    course_page = client.get(final.course.url).content.decode()
    assert "结业考试：党章学习结业考试" in course_page
    assert "通过考试，课程才算完成" in course_page


def test_taking_page_never_contains_the_key(quiz, member):
    client = client_for(member.user)
    attempt = start(client, quiz)
    page = client.get(f"/exams/attempts/{attempt.public_id}/").content.decode()
    assert "依据党章" not in page  # the explanation
    assert 'name="csrfmiddlewaretoken"' in page and "exam-timer" in page
    # Before the script runs, the bar already shows the time as the script writes it.
    assert re.search(r'id="exam-timer"[^>]*>剩余 \d+:[0-5]\d</span>', page)
    for answer in attempt.answers.all():
        assert answer.stem in page
    assert "正确答案" not in page and "data-key" not in page and "correct" not in page


def test_answers_are_saved_and_the_reload_shows_them(quiz, member):
    client = client_for(member.user)
    attempt = start(client, quiz)
    url = f"/exams/attempts/{attempt.public_id}/"
    token = csrf(client, url)
    single = attempt.answers.filter(kind="single").first()
    letter = single.options[-1][0]
    response = save(client, attempt, token, single.position, [letter])
    assert response.status_code == 200 and response.json()["saved"] is True
    page = client.get(url).content.decode()
    assert f'name="q{single.position}" value="{letter}" checked' in page
    assert "已保存" in page


def test_bad_answers_get_chinese_messages(quiz, member, other_member):
    client = client_for(member.user)
    attempt = start(client, quiz)
    token = csrf(client, f"/exams/attempts/{attempt.public_id}/")
    single = attempt.answers.filter(kind="single").first()
    cases = [
        (99, ["A"], 400, "这道题不在您的试卷中"),
        (single.position, ["Q"], 400, "选项不属于这道题"),
        (single.position, "A", 400, "答案格式不正确"),
        ("x", ["A"], 400, "参数 position 应为整数"),
    ]
    for position, answer, status, message in cases:
        response = save(client, attempt, token, position, answer)
        assert response.status_code == status
        assert message in response.json()["error"]
    response = client.post(
        f"/exams/attempts/{attempt.public_id}/answer/",
        "[[[[[[[[[[[[1]]]]]]]]]]]]",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 400
    # Without the CSRF token nothing is saved.
    response = Client(enforce_csrf_checks=True)
    response.force_login(member.user)
    assert (
        response.post(
            f"/exams/attempts/{attempt.public_id}/answer/",
            json.dumps({"position": single.position, "answer": ["A"]}),
            content_type="application/json",
        ).status_code
        == 403
    )
    assert not attempt.answers.filter(saved_at__isnull=False).exists()


def test_another_members_attempt_is_refused(quiz, member, other_member):
    attempt = start(client_for(member.user), quiz)
    intruder = client_for(other_member.user)
    token = csrf(intruder, f"/exams/{quiz.pk}/")
    url = f"/exams/attempts/{attempt.public_id}/"
    assert intruder.get(url).status_code == 403
    response = save(intruder, attempt, token, 1, ["A"])
    assert response.status_code == 403 and "不属于您" in response.json()["error"]
    response = intruder.post(url + "submit/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 403
    attempt.refresh_from_db()
    assert attempt.is_open


def test_staff_without_a_member_profile_cannot_take_exams(quiz):
    client = client_for(make_staff_user("党校管理员"))
    assert client.get(f"/exams/{quiz.pk}/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(quiz):
    response = Client().get(f"/exams/{quiz.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_submit_grades_once_and_shows_the_result(quiz, member):
    client = client_for(member.user)
    attempt = start(client, quiz)
    url = f"/exams/attempts/{attempt.public_id}/"
    token = csrf(client, url)
    form = {"csrfmiddlewaretoken": token}
    for position, response in answer_all(attempt).items():
        form[f"q{position}"] = response
    assert client.post(url + "submit/", form).status_code == 302
    page = client.get(url).content.decode()
    assert 'id="result-score">100<' in page and "通过" in page
    assert "依据党章" in page  # explanations after hand-in
    wrong = {k: v for k, v in form.items() if k != "csrfmiddlewaretoken"}
    response = client.post(url + "submit/", {**wrong, "csrfmiddlewaretoken": token})
    attempt.refresh_from_db()
    assert attempt.score == 100
    assert "这份答卷已经交过" in client.get(response["Location"]).content.decode()


def test_explanations_hidden_when_the_exam_says_so(quiz, member):
    quiz.show_explanations = False
    quiz.save()
    client = client_for(member.user)
    attempt = start(client, quiz)
    services.submit_attempt(attempt, member=member, responses={})
    page = client.get(f"/exams/attempts/{attempt.public_id}/").content.decode()
    assert "未通过" in page and "依据党章" not in page and "正确答案" not in page


def test_exam_page_lists_the_history(quiz, member):
    client = client_for(member.user)
    attempt = start(client, quiz)
    services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    page = client.get(f"/exams/{quiz.pk}/").content.decode()
    assert "第 1 次" in page and "通过" in page and "还剩 2 次" in page
