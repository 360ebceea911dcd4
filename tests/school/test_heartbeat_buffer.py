"""The Redis heartbeat buffer against a real Redis: admission in Lua, the fold into
the database, exactly once even when a fold dies before it trimmed the stream."""

import datetime
import json
import os
import random
import socket
import threading
import time
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from school import heartbeat_buffer, progress, services
from school.middleware import IDLE_WRITES_PER_TIMEOUT
from school.models import (
    CourseCompletion,
    HeartbeatFold,
    LessonProgress,
    StudyDay,
)
from tests.members.factories import MemberFactory
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    SchoolIndexPageFactory,
)

REDIS_URL = os.environ.get("PORTAL_TEST_HEARTBEAT_REDIS", "redis://127.0.0.1:6379/5")
URL = "/school/progress/"


def redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("CI"):
            raise
        return False
    return True


@pytest.fixture
def buffer(settings):
    """Heartbeats go through Redis, under keys of this test's own."""
    if not redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379 (CI has one)")
    settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_URL = REDIS_URL
    settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_PREFIX = f"test:{uuid.uuid4().hex}:"
    yield heartbeat_buffer
    client = heartbeat_buffer.client()
    keys = list(client.scan_iter(f"{settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_PREFIX}*"))
    if keys:
        client.delete(*keys)


def send(member, lesson, intervals, *, at, playing=True, position=None):
    """One heartbeat through the buffer at server time `at` (the view passes none)."""
    heartbeat_buffer.remember_auth(member.user_id, "hash", member.pk)
    target = services.lesson_target(lesson.pk)
    result = heartbeat_buffer.buffer_heartbeat(
        user_id=member.user_id,
        session_hash="hash",
        member_id=member.pk,
        lesson=target,
        intervals=intervals,
        position=position if position is not None else intervals[-1][1],
        playing=playing,
        now=at,
    )
    assert result is not None
    return result


def credited(member) -> tuple[float, float]:
    watched = sum(
        LessonProgress.objects.filter(member=member).values_list(
            "watched_seconds", flat=True
        )
    )
    days = sum(StudyDay.objects.filter(member=member).values_list("seconds", flat=True))
    return round(watched, 2), round(days, 2)


def test_lua_admission_matches_the_python_rule(buffer, course_with_lessons):
    """Random sequences of heartbeats (times, lessons, pauses) get the same decision
    from the Lua script as from school.progress.admit_heartbeat."""
    _, lessons = course_with_lessons
    rules = services.clock_rules()
    generator = random.Random(7)
    start = timezone.now().replace(microsecond=0)
    for run in range(15):
        member = MemberFactory()
        clock, now = progress.Clock(), start + datetime.timedelta(hours=run)
        for _beat in range(25):
            now += datetime.timedelta(
                seconds=generator.choice([0, 0.001, 1.999, 2, 7.5, 10, 60, 91, 400])
            )
            lesson = generator.choice(lessons)
            claims = generator.random() < 0.85
            playing = generator.random() < 0.6
            expected = progress.admit_heartbeat(
                clock,
                lesson=lesson.pk,
                now=now.timestamp(),
                claims=claims,
                playing=playing,
                rules=rules,
            )
            clock = expected.clock
            got = send(
                member,
                lesson,
                [[0, 5]] if claims else [],
                at=now,
                playing=playing,
                position=5,
            )
            assert got.budget == pytest.approx(expected.budget, abs=0.002)
            assert (got.accrues, got.deferred) == (expected.accrues, expected.deferred)


def test_honest_watching_is_credited_in_full_once_folded(
    buffer, member, course_with_lessons
):
    course, lessons = course_with_lessons
    now = timezone.now()
    for lesson in lessons:
        for start in range(0, 100, 10):
            now += datetime.timedelta(seconds=10)
            send(member, lesson, [[start, start + 10]], at=now, playing=start < 90)
    assert buffer.pending_count() == 20
    assert buffer.fold_heartbeats() == 20
    assert credited(member) == (200, 200)
    assert LessonProgress.objects.filter(
        member=member, completed_at__isnull=False
    ).count() == len(lessons)
    assert CourseCompletion.objects.filter(member=member, course=course).exists()
    assert buffer.pending_count() == 0


def test_watching_at_twice_the_speed_is_credited_in_full(
    buffer, member, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    now = timezone.now()
    for start in range(0, 100, 20):
        now += datetime.timedelta(seconds=10)
        send(member, lesson, [[start, start + 20]], at=now)
    buffer.fold_heartbeats()
    assert credited(member) == (100, 100)


def test_a_fold_killed_before_trimming_folds_nothing_twice(
    buffer, member, course_with_lessons
):
    """The fold writes the database and its watermark, then dies before removing the
    beats from Redis; the next fold skips them: every beat counted exactly once."""
    _, (first, second) = course_with_lessons
    now = timezone.now()
    for start in range(0, 60, 10):
        now += datetime.timedelta(seconds=10)
        send(member, first, [[start, start + 10]], at=now, playing=start < 50)
    # The database part of a fold, then "killed": no trim.
    count, _last_id = buffer.fold_batch()
    assert count == 6
    assert credited(member) == (60, 60)
    # More beats arrive meanwhile; the same beats are still in the stream.
    for start in range(0, 30, 10):
        now += datetime.timedelta(seconds=10)
        send(member, second, [[start, start + 10]], at=now)
    assert buffer.client().xlen(buffer.stream_key()) == 9
    assert buffer.pending_count() == 3
    assert buffer.fold_heartbeats() == 3
    assert buffer.fold_heartbeats() == 0
    assert credited(member) == (90, 90)
    assert HeartbeatFold.objects.get(stream=buffer.stream_key()).folded == 9
    assert buffer.client().xlen(buffer.stream_key()) == 0


def test_beats_of_a_deleted_member_do_not_block_the_fold(
    buffer, member, course_with_lessons
):
    _, (lesson, _) = course_with_lessons
    gone = MemberFactory()
    now = timezone.now()
    send(gone, lesson, [[0, 10]], at=now)
    send(member, lesson, [[0, 10]], at=now)
    gone.delete()
    buffer.fold_heartbeats()
    assert credited(member) == (10, 10)
    assert buffer.pending_count() == 0


def test_the_same_interval_sent_twice_counts_once(buffer, member, course_with_lessons):
    _, (lesson, _) = course_with_lessons
    now = timezone.now()
    send(member, lesson, [[0, 10]], at=now)
    send(member, lesson, [[0, 10]], at=now + datetime.timedelta(seconds=10))
    buffer.fold_heartbeats()
    # Folded again from scratch (as if the watermark were lost): still once.
    send(member, lesson, [[0, 10]], at=now + datetime.timedelta(seconds=20))
    buffer.fold_heartbeats()
    assert credited(member) == (10, 10)


# ---- through the view ---------------------------------------------------------------


def post_beat(client, lesson, intervals, playing=True):
    body = {
        "lesson": lesson.pk,
        "intervals": intervals,
        "position": intervals[-1][1] if intervals else 0,
        "playing": playing,
    }
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_view_buffers_and_the_scheduled_fold_records(
    buffer, member, course_with_lessons
):
    """Test settings run tasks at once: the fold the first beat schedules runs
    before the answer, and the answer reports what it recorded."""
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(member.user)
    response = post_beat(client, lesson, [[0, 8]])
    assert response.status_code == 200
    assert response.json()["accruing"] is True
    assert LessonProgress.objects.get(member=member).watched_seconds == 8
    # Too soon after it: deferred, nothing earned, the player sends it again.
    response = post_beat(client, lesson, [[8, 9]])
    assert response.json()["deferred"] is True


def test_view_checks_the_session_in_full_after_the_user_changed(
    buffer, member, course_with_lessons, django_capture_on_commit_callbacks
):
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(member.user)
    assert post_beat(client, lesson, [[0, 8]]).status_code == 200
    user = member.user
    with django_capture_on_commit_callbacks(execute=True):
        user.set_password("另一个密码Abc123!")
        user.save()
    response = post_beat(client, lesson, [[8, 16]])
    assert response.status_code == 401


def test_view_refuses_anonymous_and_non_members(
    buffer, course_with_lessons, django_user_model
):
    _, (lesson, _) = course_with_lessons
    assert post_beat(Client(), lesson, [[0, 8]]).status_code == 401
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("staff2", password="x"))
    assert post_beat(staff, lesson, [[0, 8]]).status_code == 403


# ---- two folds at once -------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_folds_at_once_fold_each_beat_once(buffer, home_page):
    course = CoursePageFactory(parent=SchoolIndexPageFactory(parent=home_page))
    lesson = LessonPageFactory(parent=course, video__duration=3000)
    members = [MemberFactory() for _ in range(30)]
    now = timezone.now()
    for step in range(10):
        now += datetime.timedelta(seconds=10)
        for member in members:
            send(member, lesson, [[step * 10, step * 10 + 10]], at=now)
    errors = []

    def fold():
        try:
            heartbeat_buffer.fold_heartbeats(batch=37)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fold) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for member in members:
        assert credited(member) == (100, 100)
    assert HeartbeatFold.objects.get().folded == 300


# ---- the fast path (school.middleware) ----------------------------------------------


def test_routine_heartbeat_reads_no_database(
    buffer, member, course_with_lessons, django_assert_num_queries, settings
):
    """Once the member's session is known to the script, a heartbeat costs the
    session read (from the cache, as in production) and one script: no database
    query at all."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(member.user)
    assert post_beat(client, lesson, [[0, 8]]).status_code == 200
    # Ten seconds later on the member's clock (the beat is not deferred).
    clock = buffer.client()
    last = int(clock.hget(buffer.key(f"clock:{member.pk}"), "last"))
    clock.hset(buffer.key(f"clock:{member.pk}"), "last", last - 10_000)
    # A fold is already scheduled (tests run tasks at once; it would query).
    clock.set(buffer.key("fold-due"), 1, px=30_000)
    with django_assert_num_queries(0):
        response = post_beat(client, lesson, [[8, 16]])
    assert response.status_code == 200
    assert response.json()["deferred"] is False
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_fast_path_still_needs_the_csrf_token(buffer, member, course_with_lessons):
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(member.user)
    assert post_beat(client, lesson, [[0, 8]]).status_code == 200
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    response = post_beat(strict, lesson, [[8, 16]])
    assert response.status_code == 403
    assert buffer.pending_count() == 0  # the first beat was folded, nothing added


def test_fast_path_refuses_a_session_of_another_password(
    buffer, member, course_with_lessons
):
    """A session whose hash no longer matches (password changed elsewhere, cache not
    yet told) is not answered by the script: the full stack logs it out."""
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(member.user)
    assert post_beat(client, lesson, [[0, 8]]).status_code == 200
    type(member.user).objects.filter(pk=member.user_id).update(password="md5$x$y")
    heartbeat_buffer.forget_auth(member.user_id)
    assert post_beat(client, lesson, [[8, 16]]).status_code == 401


def test_fast_path_keeps_the_idle_timeout(
    buffer, member, course_with_lessons, settings
):
    """A heartbeat is activity: it moves the session's last-seen time as the idle
    timeout (members.middleware) would; a session idle too long is not answered
    here but logged out by it."""
    from members import middleware

    idle = getattr(middleware, "IdleTimeoutMiddleware", None)
    if idle is None or not hasattr(settings, "PORTAL_SESSION_IDLE_TIMEOUT"):
        pytest.skip("no idle timeout for public sessions on this site")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(member.user)
    session = client.session
    session[idle.session_key] = int(time.time())
    session.save()
    assert post_beat(client, lesson, [[0, 8]]).status_code == 200

    every = max(
        idle.resolution,
        settings.PORTAL_SESSION_IDLE_TIMEOUT // IDLE_WRITES_PER_TIMEOUT,
    )
    session = client.session
    recent = int(time.time()) - every + 30
    session[idle.session_key] = recent
    session.save()
    assert post_beat(client, lesson, [[8, 9]]).status_code == 200
    assert client.session[idle.session_key] == recent  # no session write

    session = client.session
    session[idle.session_key] = int(time.time()) - every - 5
    session.save()
    assert post_beat(client, lesson, [[9, 9.5]]).status_code == 200
    assert time.time() - client.session[idle.session_key] < 5

    session = client.session
    session[idle.session_key] = (
        int(time.time()) - settings.PORTAL_SESSION_IDLE_TIMEOUT - 5
    )
    session.save()
    assert post_beat(client, lesson, [[9.5, 10]]).status_code == 401


def test_redis_down_is_a_503_the_player_retries(
    settings, member, course_with_lessons, django_capture_on_commit_callbacks
):
    """The player keeps intervals it could not deliver; nothing is credited twice."""
    settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_URL = "redis://127.0.0.1:9/0"
    _, (lesson, _) = course_with_lessons
    client = Client()
    client.force_login(member.user)
    response = post_beat(client, lesson, [[0, 8]])
    assert response.status_code == 503
    assert "稍后" in response.json()["error"]
    # Saving the user (a login, a password change) still works.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        member.user.save()
    assert callbacks
