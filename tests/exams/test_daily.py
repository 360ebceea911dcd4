"""每日答题: five questions a day, marked one by one, never a recent right answer again,
the day of Asia/Shanghai, one set per member and day, and the streak."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from exams import daily, rules, services
from exams.models import DailySet, Exam
from tests.exams.factories import AttemptFactory, QuestionFactory
from tests.members.factories import MemberFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC


def at(day: str, hour: int, minute: int = 0, tz=SHANGHAI) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(
        hour=hour, minute=minute, tzinfo=tz
    )


@pytest.fixture
def big_bank(category):
    """Twelve questions of every kind, each with its own 解析."""
    kinds = ["single", "multiple", "judge", "fill"] * 3
    questions = []
    for number, kind in enumerate(kinds, start=1):
        question = QuestionFactory(
            kind=kind, stem=f"每日第 {number} 题", category=category
        )
        question.explanation = f"解析{number:02d}：依据党章第{number}条。"
        question.save()
        questions.append(question)
    return questions


def right(answer) -> list[str]:
    if answer.kind == rules.FILL:
        return [part.split("/")[0] for part in answer.key.split("|")]
    return list(answer.key)


def wrong(answer) -> list[str]:
    if answer.kind == rules.FILL:
        return ["错"] * answer.blanks
    return [letter for letter in answer.letters if letter not in answer.key][:1]


def finish(daily_set, *, correct=True, now=None):
    for answer in daily_set.attempt.answers.all():
        services.answer_and_mark(
            daily_set.attempt,
            member=daily_set.member,
            position=answer.position,
            response=right(answer) if correct else wrong(answer),
            now=now,
        )
    daily_set.attempt.refresh_from_db()


def post_json(client, data):
    return client.post(
        reverse("exams:daily_answer"),
        data=json.dumps(data),
        content_type="application/json",
    )


# ---- the day and the set ----------------------------------------------------------


def test_day_is_shanghai_whatever_the_clock(big_bank, member, settings):
    settings.TIME_ZONE = "UTC"
    late = datetime.datetime(2026, 12, 1, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    after_midnight = datetime.datetime(2026, 12, 1, 16, 1, tzinfo=UTC)  # 00:01
    assert daily.local_day(late) == datetime.date(2026, 12, 1)
    assert daily.local_day(after_midnight) == datetime.date(2026, 12, 2)
    first = daily.start_today(member, now=late)
    assert first.day == datetime.date(2026, 12, 1)
    assert first.attempt.deadline == at("2026-12-02", 0)
    second = daily.start_today(member, now=after_midnight)
    assert second.day == datetime.date(2026, 12, 2)
    assert second.pk != first.pk
    # Yesterday's set was closed (graded from nothing answered) to start today's.
    first.attempt.refresh_from_db()
    assert not first.attempt.is_open and first.attempt.timed_out


def test_five_questions_once_a_day(big_bank, member):
    now = at("2026-12-01", 9)
    first = daily.start_today(member, now=now)
    again = daily.start_today(member, now=now + datetime.timedelta(hours=10))
    assert again.pk == first.pk
    assert first.attempt.question_count == 5
    assert first.attempt.exam.kind == Exam.Kind.DAILY
    assert len({a.question_id for a in first.attempt.answers.all()}) == 5
    with pytest.raises(IntegrityError), transaction.atomic():
        DailySet.objects.create(
            member=member,
            day=first.day,
            attempt=AttemptFactory(
                exam=first.attempt.exam, member=member, number=99, submitted_at=now
            ),
        )


def test_one_daily_exam(big_bank, member):
    exam = daily.daily_exam()
    assert daily.daily_exam().pk == exam.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Exam.objects.create(title="第二个", kind=Exam.Kind.DAILY)


def test_closed_daily_exam_refuses_new_sets(big_bank, member, client):
    exam = daily.daily_exam()
    exam.is_active = False
    exam.save()
    with pytest.raises(services.ExamError):
        daily.start_today(member)
    client.force_login(member.user)
    response = client.post(reverse("exams:daily_start"), follow=True)
    assert "每日答题暂未开放" in response.content.decode()
    assert not DailySet.objects.exists()


def test_empty_bank_is_refused_with_a_message(category, member):
    with pytest.raises(services.ExamError, match="暂无可用的试题"):
        daily.start_today(member)


# ---- no repeats of recent right answers ------------------------------------------


def test_right_answers_are_not_asked_again_for_thirty_days(big_bank, member):
    first = daily.start_today(member, now=at("2026-12-01", 9))
    answers = list(first.attempt.answers.all())
    for answer in answers[:3]:
        services.answer_and_mark(
            first.attempt, member=member, position=answer.position,
            response=right(answer), now=at("2026-12-01", 9, 5),
        )  # fmt: skip
    for answer in answers[3:]:
        services.answer_and_mark(
            first.attempt, member=member, position=answer.position,
            response=wrong(answer), now=at("2026-12-01", 9, 5),
        )  # fmt: skip
    known = {a.question_id for a in answers[:3]}
    assert daily.recently_correct(member, datetime.date(2026, 12, 2)) == known
    # Over many days (all wrong, so nothing more is excluded) the three never return.
    seen = set()
    for offset in range(1, 30):
        day = datetime.date(2026, 12, 1) + datetime.timedelta(days=offset)
        current = daily.start_today(member, now=at(day.isoformat(), 8))
        asked = {a.question_id for a in current.attempt.answers.all()}
        assert not asked & known, offset
        seen |= asked
        finish(current, correct=False, now=at(day.isoformat(), 8, 10))
    assert seen == {q.pk for q in big_bank} - known
    # On the thirtieth day after still excluded, on the thirty-first back in the draw.
    assert daily.recently_correct(member, datetime.date(2026, 12, 31)) == known
    assert daily.recently_correct(member, datetime.date(2027, 1, 1)) == set()


def test_right_answers_in_other_exams_count_too(quiz, big_bank, member):
    attempt = services.start_attempt(quiz, member)
    services.submit_attempt(
        attempt, member=member,
        responses={a.position: right(a) for a in attempt.answers.all()},
    )  # fmt: skip
    known = set(attempt.answers.values_list("question_id", flat=True))
    current = daily.start_today(member)
    assert not known & set(
        current.attempt.answers.values_list("question_id", flat=True)
    )


def test_a_short_fresh_bank_gives_a_shorter_set(category, member):
    questions = [QuestionFactory(kind="judge", category=category) for _ in range(6)]
    first = daily.start_today(member, now=at("2026-12-01", 9))
    finish(first, correct=True, now=at("2026-12-01", 9, 5))
    second = daily.start_today(member, now=at("2026-12-02", 9))
    assert second.attempt.question_count == 1
    finish(second, correct=True, now=at("2026-12-02", 9, 5))
    assert len(daily.recently_correct(member, datetime.date(2026, 12, 3))) == 6
    with pytest.raises(services.ExamError):
        daily.start_today(member, now=at("2026-12-03", 9))
    assert len(questions) == 6


# ---- answering ---------------------------------------------------------------------


def test_each_answer_is_marked_at_once_and_final(big_bank, member):
    current = daily.start_today(member)
    answer = current.attempt.answers.first()
    marked = services.answer_and_mark(
        current.attempt, member=member, position=answer.position, response=wrong(answer)
    )
    assert marked.correct is False and marked.saved_at is not None
    with pytest.raises(services.ExamError, match="已经作答"):
        services.answer_and_mark(
            current.attempt, member=member, position=answer.position,
            response=right(answer),
        )  # fmt: skip
    answer.refresh_from_db()
    assert answer.correct is False and answer.response == wrong(answer)
    # The exams' own save and hand-in refuse a daily attempt (no changing after the key).
    with pytest.raises(services.ExamError, match="每日答题"):
        services.save_answer(
            current.attempt, member=member, position=answer.position,
            response=right(answer),
        )  # fmt: skip
    with pytest.raises(services.ExamError, match="每日答题"):
        services.submit_attempt(current.attempt, member=member, responses={})
    current.attempt.refresh_from_db()
    assert current.attempt.is_open


def test_last_answer_grades_the_set(big_bank, member):
    current = daily.start_today(member)
    answers = list(current.attempt.answers.all())
    for number, answer in enumerate(answers):
        services.answer_and_mark(
            current.attempt, member=member, position=answer.position,
            response=right(answer) if number < 4 else wrong(answer),
        )  # fmt: skip
    current.attempt.refresh_from_db()
    assert not current.attempt.is_open and not current.attempt.timed_out
    assert current.attempt.correct_count == 4 and current.attempt.score == 80
    result = daily.summary(member)
    assert result.finished and result.correct == 4 and result.streak == 1
    with pytest.raises(services.ExamError, match="已经答完"):
        services.answer_and_mark(
            current.attempt, member=member, position=1, response=["A"]
        )


def test_another_members_set_cannot_be_answered(big_bank, member, other_member):
    current = daily.start_today(member)
    with pytest.raises(services.ExamError, match="不属于您"):
        services.answer_and_mark(
            current.attempt, member=other_member, position=1, response=["A"]
        )


# ---- streak ------------------------------------------------------------------------


def test_streak_counts_consecutive_finished_days(big_bank, member):
    def play(day, *, finished=True):
        current = daily.start_today(member, now=at(day, 20))
        if finished:
            finish(current, correct=False, now=at(day, 20, 5))
        else:
            answer = current.attempt.answers.first()
            services.answer_and_mark(
                current.attempt, member=member, position=answer.position,
                response=wrong(answer), now=at(day, 20, 5),
            )  # fmt: skip

    play("2026-11-25")
    play("2026-11-27")
    play("2026-11-28")
    play("2026-11-29", finished=False)  # half done: the day does not count
    play("2026-11-30")
    play("2026-12-01")
    assert daily.streak(member, now=at("2026-12-01", 21)) == 2
    # The next morning, before answering, the streak still stands ...
    assert daily.streak(member, now=at("2026-12-02", 7)) == 2
    play("2026-12-02")
    assert daily.streak(member, now=at("2026-12-02", 21)) == 3
    # ... but a whole day missed ends it.
    assert daily.streak(member, now=at("2026-12-04", 7)) == 0
    # Yesterday's half-done set was graded as timed out when the next one started.
    half = DailySet.objects.get(member=member, day=datetime.date(2026, 11, 29))
    assert half.attempt.timed_out and half.attempt.correct_count == 0


# ---- pages -------------------------------------------------------------------------


def test_page_start_then_answer_shows_key_only_after(big_bank, member, client):
    client.force_login(member.user)
    page = client.get(reverse("exams:daily"))
    assert page.status_code == 200 and "开始今日答题" in page.content.decode()
    response = client.post(reverse("exams:daily_start"))
    assert response.status_code == 302
    html = client.get(reverse("exams:daily")).content.decode()
    assert "提交答案" in html
    assert "解析：" not in html and "正确答案：" not in html
    current = DailySet.objects.get(member=member)
    answer = current.attempt.answers.get(position=1)
    assert answer.explanation not in html
    result = post_json(client, {"position": 1, "answer": right(answer)})
    assert result.status_code == 200, result.content
    data = result.json()
    assert data["correct"] is True and data["done"] is False
    assert "回答正确" in data["question"] and answer.explanation in data["question"]
    assert "1/5" in data["summary"]
    html = client.get(reverse("exams:daily")).content.decode()
    assert answer.explanation in html and html.count("正确答案：") == 1
    # Once more for the same question: refused, nothing changes.
    again = post_json(client, {"position": 1, "answer": wrong(answer)})
    assert again.status_code == 409 and "已经作答" in again.json()["error"]
    answer.refresh_from_db()
    assert answer.correct is True


def test_form_post_without_javascript(big_bank, member, client):
    client.force_login(member.user)
    client.post(reverse("exams:daily_start"))
    answer = DailySet.objects.get(member=member).attempt.answers.get(position=2)
    data = {"position": "2"}
    if answer.kind == rules.FILL:
        data.update({f"q2_{i}": v for i, v in enumerate(right(answer))})
    else:
        data["q2"] = right(answer)
    response = client.post(reverse("exams:daily_answer"), data)
    assert response.status_code == 302 and response["Location"].endswith("#q2")
    answer.refresh_from_db()
    assert answer.correct is True


def test_finishing_shows_result_and_streak(big_bank, member, client):
    client.force_login(member.user)
    client.post(reverse("exams:daily_start"))
    current = DailySet.objects.get(member=member)
    for answer in current.attempt.answers.all():
        data = post_json(client, {"position": answer.position, "answer": right(answer)})
    assert data.json()["done"] is True
    assert "全部正确" in data.json()["summary"]
    html = client.get(reverse("exams:daily")).content.decode()
    assert 'id="daily-streak">1<' in html and "提交答案" not in html
    me = client.get("/me/").content.decode()
    assert "已连续答题 1 天" in me and "今天已答完 5 道题，答对 5 道" in me


@pytest.mark.parametrize(
    "payload, status, message",
    [
        ({"position": 99, "answer": ["A"]}, 400, "1 到 50"),
        ({"position": 6, "answer": ["A"]}, 400, "不在您今天的题目中"),
        ({"position": 1, "answer": ["Z"]}, 400, None),
        ({"position": 1, "answer": "A"}, 400, "格式不正确"),
        ({"position": "一", "answer": ["A"]}, 400, None),
        ({"answer": ["A"]}, 400, "position"),
        ([1, 2], 400, "格式不正确"),
    ],
)
def test_bad_answers_are_refused(big_bank, member, client, payload, status, message):
    client.force_login(member.user)
    client.post(reverse("exams:daily_start"))
    response = post_json(client, payload)
    assert response.status_code == status, response.content
    if message:
        assert message in response.json()["error"]
    assert (
        not DailySet.objects.get(member=member)
        .attempt.answers.filter(saved_at__isnull=False)
        .exists()
    )


def test_answer_before_start_and_by_non_members(big_bank, member, client):
    client.force_login(member.user)
    response = post_json(client, {"position": 1, "answer": ["A"]})
    assert response.status_code == 409 and "开始答题" in response.json()["error"]
    staff = get_user_model().objects.create_user("editor", password="x")
    client.force_login(staff)
    assert client.get(reverse("exams:daily")).status_code == 403
    assert post_json(client, {"position": 1, "answer": ["A"]}).status_code == 403
    assert client.post(reverse("exams:daily_start")).status_code == 403
    client.logout()
    assert client.get(reverse("exams:daily")).status_code == 302
    assert post_json(client, {"position": 1, "answer": ["A"]}).status_code == 403


def test_generic_exam_pages_refuse_daily_attempts(big_bank, member, client):
    client.force_login(member.user)
    client.post(reverse("exams:daily_start"))
    attempt = DailySet.objects.get(member=member).attempt
    page = client.get(reverse("exams:attempt", args=[attempt.public_id]))
    assert page.status_code == 302 and page["Location"] == reverse("exams:daily")
    saved = client.post(
        reverse("exams:answer", args=[attempt.public_id]),
        data=json.dumps({"position": 1, "answer": ["A"]}),
        content_type="application/json",
    )
    assert saved.status_code == 409
    submitted = client.post(reverse("exams:submit", args=[attempt.public_id]))
    assert submitted.status_code == 302
    attempt.refresh_from_db()
    assert attempt.is_open
    assert not attempt.answers.filter(saved_at__isnull=False).exists()


def test_links_from_school_and_me(big_bank, member, client, course):
    client.force_login(member.user)
    school = client.get(course.get_parent().url).content.decode()
    assert reverse("exams:daily") in school
    me = client.get("/me/").content.decode()
    assert "今天的 5 道题还没有答" in me and reverse("exams:daily") in me
    other = MemberFactory()
    client.force_login(other.user)
    assert reverse("exams:daily") in client.get("/me/").content.decode()
