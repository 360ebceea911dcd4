"""The progress endpoint: login, CSRF, interval rules against the real database."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from school import services
from school.models import CourseCompletion, LessonProgress, StudyDay, Video
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

URL = "/school/progress/"


def beat(client, lesson, intervals, position=None, playing=True):
    body = {
        "lesson": lesson.pk,
        "intervals": intervals,
        "position": position
        if position is not None
        else (intervals[-1][1] if intervals else 0),
        "playing": playing,
    }
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.fixture
def member_client(member):
    client = Client()
    client.force_login(member.user)
    return client


def progress_of(member, lesson):
    return LessonProgress.objects.get(member=member, lesson=lesson)


def test_anonymous_heartbeat_is_refused(course_with_lessons):
    _, (lesson, _) = course_with_lessons
    response = beat(Client(), lesson, [[0, 10]])
    assert response.status_code == 401
    assert not LessonProgress.objects.exists()


def test_heartbeat_without_csrf_token_is_refused(member, course_with_lessons):
    _, (lesson, _) = course_with_lessons
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert beat(client, lesson, [[0, 10]]).status_code == 403
    assert not LessonProgress.objects.exists()


def test_beacon_form_post_with_csrf_token_is_accepted(member, course_with_lessons):
    _, (lesson, _) = course_with_lessons
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    client.get(lesson.url)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    data = json.dumps({"lesson": lesson.pk, "intervals": [[0, 8]], "position": 8})
    response = client.post(URL, {"csrfmiddlewaretoken": token, "data": data})
    assert response.status_code == 200
    assert progress_of(member, lesson).watched_seconds == 8


def test_get_is_not_allowed(member_client):
    assert member_client.get(URL).status_code == 405


def test_malformed_payload_is_rejected(member_client, course_with_lessons):
    response = member_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "格式" in response.json()["error"]


def test_watching_records_unique_seconds_and_position(
    member, member_client, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    assert beat(member_client, lesson, [[0, 10]]).json()["watched_seconds"] == 10
    row = progress_of(member, lesson)
    assert row.last_position == 10
    assert row.intervals == [[0, 10]]


def test_dragging_to_the_end_is_not_completion(
    member, member_client, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    beat(member_client, lesson, [[0, 5]])
    data = beat(member_client, lesson, [[98, 100]], position=100, playing=False).json()
    assert data["completed"] is False
    row = progress_of(member, lesson)
    assert row.completed_at is None
    assert 5 <= row.watched_seconds < 7


def test_claiming_the_whole_video_at_once_is_capped(
    member, member_client, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    data = beat(member_client, lesson, [[0, 100]]).json()
    assert data["watched_seconds"] < 40
    assert not data["completed"]


def test_credit_is_bounded_by_server_time_between_heartbeats(
    member, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    start = timezone.now()
    services.record_heartbeat(
        member, lesson, intervals=[[0, 10]], position=10, playing=True, now=start
    )
    outcome = services.record_heartbeat(
        member, lesson, intervals=[[10, 80]], position=80, playing=True,
        now=start + datetime.timedelta(seconds=5),
    )  # fmt: skip
    # 5 s of server time allow 2x5 s of video (+1 s tolerance), whatever the claim.
    assert outcome.watched_seconds == pytest.approx(10 + 11)


def test_watching_steadily_completes_lesson_and_course(member, course_with_lessons):
    course, lessons = course_with_lessons
    now = timezone.now()
    course_completed_by = []
    for lesson in lessons:
        for start in range(0, 100, 10):
            now += datetime.timedelta(seconds=10)
            outcome = services.record_heartbeat(
                member, lesson, intervals=[[start, start + 10]], position=start + 10,
                playing=start + 10 < 100, now=now,
            )  # fmt: skip
            if outcome.course_completed:
                course_completed_by.append((lesson.pk, start))
        assert outcome.completed
    # Reported once, by the heartbeat that reached 90 % of the last lesson.
    assert course_completed_by == [(lessons[1].pk, 80)]
    completion = CourseCompletion.objects.get(member=member, course=course)
    # Two 100 s lessons: under 15 minutes, so 0.25 学时 by default.
    assert completion.credit_hours == pytest.approx(0.25)
    assert StudyDay.objects.get(member=member).seconds == pytest.approx(200)


def test_course_credit_override_is_used(member, course_with_lessons):
    course, lessons = course_with_lessons
    course.credit_hours = 2
    course.save_revision().publish()
    now = timezone.now()
    for lesson in lessons:
        LessonProgress.objects.create(
            member=member, lesson=lesson, course=course, intervals=[[0, 95]],
            watched_seconds=95, last_beat_at=now,
        )  # fmt: skip
    services.record_heartbeat(
        member, lessons[1], intervals=[[95, 100]], position=100, playing=False,
        now=now + datetime.timedelta(seconds=5),
    )  # fmt: skip
    LessonProgress.objects.filter(lesson=lessons[0]).update(completed_at=now)
    services.record_heartbeat(
        member, lessons[1], intervals=[], position=100, playing=False,
        now=now + datetime.timedelta(seconds=6),
    )  # fmt: skip
    LessonProgress.objects.filter(lesson=lessons[1]).update(completed_at=None)
    services.record_heartbeat(
        member, lessons[1], intervals=[[0, 1]], position=1, playing=False,
        now=now + datetime.timedelta(seconds=7),
    )  # fmt: skip
    assert CourseCompletion.objects.get(member=member).credit_hours == 2


def test_only_one_lesson_accrues_time_at_a_time(member, course_with_lessons):
    _, (first, second) = course_with_lessons
    now = timezone.now()
    services.record_heartbeat(
        member, first, intervals=[[0, 10]], position=10, playing=True, now=now
    )
    outcome = services.record_heartbeat(
        member, second, intervals=[[0, 10]], position=10, playing=True,
        now=now + datetime.timedelta(seconds=2),
    )  # fmt: skip
    assert not outcome.accruing
    assert outcome.watched_seconds == 0
    assert progress_of(member, second).last_position == 10
    # Once the first lesson is paused the second one counts.
    services.record_heartbeat(
        member, first, intervals=[[10, 12]], position=12, playing=False,
        now=now + datetime.timedelta(seconds=3),
    )  # fmt: skip
    outcome = services.record_heartbeat(
        member, second, intervals=[[10, 20]], position=20, playing=True,
        now=now + datetime.timedelta(seconds=13),
    )  # fmt: skip
    assert outcome.accruing
    assert outcome.watched_seconds == 10


def test_another_members_progress_is_separate(
    member, member_client, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    other = MemberFactory()
    beat(member_client, lesson, [[0, 10]])
    assert not LessonProgress.objects.filter(member=other).exists()


def test_video_not_ready_records_nothing(member, member_client, course_with_lessons):
    _, (lesson, _) = course_with_lessons
    Video.objects.filter(pk=lesson.video_id).update(status=Video.Status.PROCESSING)
    assert beat(member_client, lesson, [[0, 10]]).status_code == 409


def test_user_without_member_profile_is_not_tracked(
    django_user_model, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(django_user_model.objects.create_user("staff1", password="x"))
    assert beat(client, lesson, [[0, 10]]).status_code == 403


def test_heartbeat_is_a_handful_of_queries(
    member, member_client, course_with_lessons, django_assert_max_num_queries
):
    _, (lesson, _) = course_with_lessons
    beat(member_client, lesson, [[0, 10]])
    # 6 statements; the savepoint pair is the heartbeat's transaction (one COMMIT
    # outside tests).
    with django_assert_max_num_queries(8) as queries:
        beat(member_client, lesson, [[10, 12]])
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 6
    writes = [sql for sql in statements if sql.startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 2  # the progress row and the day's study time
