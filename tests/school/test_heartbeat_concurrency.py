"""Parallel heartbeat streams of one member against gunicorn with several worker
processes, on the test database (SQLite, or PostgreSQL in CI) and through the Redis
buffer: the credit never exceeds the wall-clock time x the fastest playback rate
(issue 12, point 5)."""

import threading
import time
import uuid

import pytest
import requests
from django.db import connection
from django.test import Client

from school import heartbeat_buffer
from school.models import LessonProgress, StudyDay
from school.progress import FIRST_HEARTBEAT_WALL_SECONDS
from tests.members.factories import MemberFactory
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    SchoolIndexPageFactory,
)
from tests.school.test_heartbeat_buffer import REDIS_URL, redis_available

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CSRF = "heartbeatcsrftoken0123456789abcd"  # 32 characters: cookie and header
STREAMS = 20


@pytest.fixture(scope="module", params=["database", "redis"])
def beat_site(request, django_db_setup, django_db_blocker):
    """gunicorn, 4 workers, heartbeats written to the database or buffered in Redis."""
    from tests.served import ServedSite

    url, prefix = "", f"test:{uuid.uuid4().hex}:"
    if request.param == "redis":
        if not redis_available():
            pytest.skip("no Redis server on 127.0.0.1:6379 (CI has one)")
        url = REDIS_URL
    site = ServedSite(connection.settings_dict, workers=4)
    site.env["PORTAL_TEST_HEARTBEAT_REDIS_URL"] = url
    site.env["PORTAL_TEST_HEARTBEAT_REDIS_PREFIX"] = prefix
    site.start()
    site.heartbeat_redis = (url, prefix)
    yield site
    site.stop()


@pytest.fixture
def served_beats(beat_site, settings, home_page):
    """The site, with this process folding from the same buffer as it."""
    url, prefix = beat_site.heartbeat_redis
    settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_URL = url
    settings.PORTAL_SCHOOL_HEARTBEAT_REDIS_PREFIX = prefix
    yield beat_site
    if url:
        client = heartbeat_buffer.client()
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def lessons(home_page):
    course = CoursePageFactory(parent=SchoolIndexPageFactory(parent=home_page))
    return [LessonPageFactory(parent=course, video__duration=3000) for _ in range(3)]


def cookies_for(member) -> dict:
    client = Client()
    client.force_login(member.user)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}


def post(session, site, lesson, intervals, playing):
    return session.post(
        f"{site.base_url}/school/progress/",
        json={
            "lesson": lesson.pk,
            "intervals": intervals,
            "position": intervals[-1][1],
            "playing": playing,
        },
        headers={"X-CSRFToken": CSRF},
        timeout=60,
    )


def credited(member) -> tuple[float, float]:
    if heartbeat_buffer.enabled():
        heartbeat_buffer.fold_heartbeats()
    watched = sum(
        LessonProgress.objects.filter(member=member).values_list(
            "watched_seconds", flat=True
        )
    )
    days = sum(StudyDay.objects.filter(member=member).values_list("seconds", flat=True))
    return round(watched, 2), round(days, 2)


def test_parallel_streams_earn_no_more_than_wall_clock_time(
    served_beats, lessons, settings
):
    """20 streams of one member (tabs, devices, scripts) beat as fast as they can
    for 4 s on three lessons, each claiming new seconds, some as playing, some
    not. Before: 80 s credited in 8 s; now at most wall x rate (plus the first
    heartbeat's bounded allowance)."""
    member = MemberFactory()
    cookies = cookies_for(member)
    rate = settings.PORTAL_SCHOOL_MAX_PLAYBACK_RATE
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    go = threading.Event()

    def stream(number: int) -> None:
        lesson = lessons[number % 3]
        offset = (number // 3) * 400.0
        with requests.Session() as session:
            session.trust_env = False
            session.cookies.update(cookies)
            go.wait()
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                response = post(
                    session, served_beats, lesson, [[offset, offset + 5]],
                    playing=number % 2 == 0,
                )  # fmt: skip
                offset += 5
                with lock:
                    statuses[response.status_code] = (
                        statuses.get(response.status_code, 0) + 1
                    )

    threads = [threading.Thread(target=stream, args=(n,)) for n in range(STREAMS)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    go.set()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    watched, days = credited(member)
    assert set(statuses) == {200}, statuses
    assert sum(statuses.values()) > STREAMS
    assert watched == days
    assert 0 < watched <= (wall + FIRST_HEARTBEAT_WALL_SECONDS) * rate


def test_the_same_heartbeat_sent_in_parallel_counts_once(served_beats, lessons):
    member = MemberFactory()
    cookies = cookies_for(member)
    barrier = threading.Barrier(STREAMS)
    answers = []

    def send() -> None:
        with requests.Session() as session:
            session.trust_env = False
            session.cookies.update(cookies)
            barrier.wait()
            answers.append(post(session, served_beats, lessons[0], [[0, 10]], True))

    threads = [threading.Thread(target=send) for _ in range(STREAMS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200] * STREAMS
    assert credited(member) == (10, 10)
