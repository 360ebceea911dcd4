"""The progress endpoint: login, CSRF, interval rules against the real database."""

import datetime
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from school import services
from school.models import (
    CourseCompletion,
    LessonProgress,
    StudyClock,
    StudyDay,
    Video,
)
from school.progress import FIRST_HEARTBEAT_WALL_SECONDS
from tests.members.factories import MemberFactory
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db

URL = "/school/progress/"
SECOND = datetime.timedelta(seconds=1)


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


def record(member, lesson, intervals, *, at, position=None, playing=True):
    """services.record_heartbeat at server time at; the position defaults to where
    the last interval ends, as beat() sends it."""
    if position is None:
        position = intervals[-1][1] if intervals else 0
    return services.record_heartbeat(
        member, lesson, intervals=intervals, position=position, playing=playing, now=at
    )


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
    record(member, lesson, [[0, 10]], at=start)
    outcome = record(member, lesson, [[10, 80]], at=start + 5 * SECOND)
    # 5 s of server time allow 2x5 s of video, whatever the claim.
    assert outcome.watched_seconds == pytest.approx(10 + 10)


def test_watching_steadily_completes_lesson_and_course(member, course_with_lessons):
    course, lessons = course_with_lessons
    now = timezone.now()
    course_completed_by = []
    for lesson in lessons:
        for start in range(0, 100, 10):
            now += datetime.timedelta(seconds=10)
            outcome = record(
                member, lesson, [[start, start + 10]], at=now, playing=start + 10 < 100
            )
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
        LessonProgressFactory(
            member=member, lesson=lesson, intervals=[[0, 95]],
            watched_seconds=95, last_beat_at=now,
        )  # fmt: skip
    record(member, lessons[1], [[95, 100]], at=now + 5 * SECOND, playing=False)
    LessonProgress.objects.filter(lesson=lessons[0]).update(completed_at=now)
    record(member, lessons[1], [], at=now + 6 * SECOND, position=100, playing=False)
    LessonProgress.objects.filter(lesson=lessons[1]).update(completed_at=None)
    record(member, lessons[1], [[0, 1]], at=now + 7 * SECOND, playing=False)
    assert CourseCompletion.objects.get(member=member).credit_hours == 2


def test_only_one_lesson_accrues_time_at_a_time(member, course_with_lessons):
    _, (first, second) = course_with_lessons
    now = timezone.now()
    record(member, first, [[0, 10]], at=now)
    outcome = record(member, second, [[0, 10]], at=now + 2 * SECOND)
    assert not outcome.accruing
    assert outcome.watched_seconds == 0
    assert progress_of(member, second).last_position == 10
    # Once the first lesson is paused the second one counts.
    record(member, first, [[10, 12]], at=now + 3 * SECOND, playing=False)
    outcome = record(member, second, [[10, 20]], at=now + 13 * SECOND)
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
    # Ten seconds later (the beat is not deferred).
    StudyClock.objects.update(
        last_credit_at=timezone.now() - datetime.timedelta(seconds=10)
    )
    # The session and the user (and what the site's middleware reads), then 5
    # statements of the heartbeat in one transaction (the savepoint pair; one COMMIT
    # outside tests): the member's clock locked and moved, the progress read and
    # written, the day's study time.
    with django_assert_max_num_queries(12) as queries:
        beat(member_client, lesson, [[10, 12]])
    statements = [q["sql"] for q in queries if '"school_' in q["sql"]]
    assert len(statements) == 5
    writes = [sql for sql in statements if sql.startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 3  # the clock, the progress row and the day's study time


# ---- study time is bounded by server time (issue 12, point 5) ----------------------


@pytest.fixture
def short_course(school_index):
    """One course with one 90 s lesson, as in the report of the attack."""
    course = CoursePageFactory(parent=school_index, title="廉政教育")
    lesson = LessonPageFactory(parent=course, video__duration=90)
    return course, lesson


def credited(member) -> tuple[float, float]:
    """(seconds of video credited on all lessons, seconds of study on all days)."""
    watched = sum(
        LessonProgress.objects.filter(member=member).values_list(
            "watched_seconds", flat=True
        )
    )
    days = sum(StudyDay.objects.filter(member=member).values_list("seconds", flat=True))
    return round(watched, 2), round(days, 2)


def test_back_to_back_heartbeats_earn_no_more_than_server_time(
    member, member_client, short_course, settings
):
    """The attack: heartbeats as fast as the client can send them, each claiming the
    next 5 s of a 90 s lesson. It completed the lesson and its course in 3.9 s; now
    the credit never exceeds the elapsed time x the highest playback rate (after
    the first heartbeat's bounded allowance)."""
    course, lesson = short_course
    rate = settings.PORTAL_SCHOOL_MAX_PLAYBACK_RATE
    started = time.monotonic()
    first_credit, sent = None, 0
    while time.monotonic() - started < 3.0:
        offset = sent * 5 % 90
        response = beat(member_client, lesson, [[offset, offset + 5]])
        assert response.status_code == 200
        if first_credit is None:
            first_credit = response.json()["watched_seconds"]
        sent += 1
    wall = time.monotonic() - started
    watched, days = credited(member)
    assert sent > 20
    assert watched == days
    assert first_credit <= FIRST_HEARTBEAT_WALL_SECONDS * rate
    assert watched - first_credit <= wall * rate
    assert watched <= (wall + FIRST_HEARTBEAT_WALL_SECONDS) * rate
    assert progress_of(member, lesson).completed_at is None
    assert not CourseCompletion.objects.filter(member=member, course=course).exists()


@pytest.mark.parametrize("speed", [0.75, 1.0, 1.5, 2.0])
def test_honest_watching_with_pauses_is_credited_in_full(
    member, course_with_lessons, speed
):
    """A player at any speed of its menu, beating every 10 s, pausing now and then
    right after a beat (that pause beat is deferred; the player sends its interval
    again with the next one): every second watched is credited."""
    _, (lesson, _) = course_with_lessons
    now = timezone.now()
    position, pending, deferred = 0.0, [], 0
    while position < 100:
        now += datetime.timedelta(seconds=10)
        played = min(10 * speed, 100 - position)
        pending.append([position, position + played])
        position += played
        outcome = record(member, lesson, pending, at=now, position=position)
        if not outcome.deferred:
            pending = []
        if position < 100 and int(position) % 3 == 0:
            # Paused a second after the beat, a little more played.
            now += datetime.timedelta(seconds=1)
            pending.append([position, position + speed])
            position += speed
            outcome = record(
                member, lesson, pending, at=now, position=position, playing=False
            )
            deferred += outcome.deferred
            if not outcome.deferred:
                pending = []
    now += datetime.timedelta(seconds=10)
    record(member, lesson, pending, at=now, position=100, playing=False)
    assert deferred > 0
    assert credited(member) == (100, 100)
    assert progress_of(member, lesson).completed_at is not None


def test_the_same_interval_sent_twice_is_counted_once(
    member, member_client, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    now = timezone.now()
    for seconds in (0, 10, 20):
        record(member, lesson, [[0, 10], [0, 10]], at=now + seconds * SECOND)
    assert credited(member) == (10, 10)
    # And a replay through the endpoint, as after a reload.
    assert beat(member_client, lesson, [[0, 10]]).json()["watched_seconds"] == 10
    assert credited(member) == (10, 10)


def test_parallel_lessons_share_one_clock(member, course_with_lessons):
    """Two lessons paused (so neither holds the accruing window) in two tabs: the
    second tab's heartbeat a moment later earns nothing; the member's time is one."""
    _, (first, second) = course_with_lessons
    now = timezone.now()
    record(member, first, [[0, 10]], at=now, playing=False)
    outcome = record(member, second, [[0, 10]], at=now + 0.5 * SECOND, playing=False)
    assert outcome.deferred and outcome.watched_seconds == 0
    outcome = record(member, second, [[0, 10]], at=now + 3 * SECOND, playing=False)
    # 3 s of server time since the first tab's heartbeat: 6 s of video.
    assert outcome.watched_seconds == pytest.approx(6)


@pytest.mark.parametrize(
    "body",
    [
        '{"lesson": 10000000000000000000000000, "intervals": [[0, 1]]}',
        '{"lesson": 1e400, "intervals": [[0, 1]]}',
        '{"lesson": 1, "position": 1e400, "intervals": [[0, 1]]}',
        '{"lesson": 1, "intervals": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "[1, 2]",
        '{"lesson": "x"}',
    ],
    ids=["huge-id", "inf-id", "inf-position", "deep", "not-an-object", "text-id"],
)
def test_hostile_payloads_are_refused_with_400(member_client, body):
    response = member_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "格式" in response.json()["error"]


def test_lesson_restricted_to_a_group_earns_nothing_for_others(
    member, member_client, course_with_lessons
):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    course, (lesson, _) = course_with_lessons
    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="理论学习中心组"))
    response = beat(member_client, lesson, [[0, 10]])
    assert response.status_code == 403
    assert not LessonProgress.objects.exists()
