"""Study heartbeats on PostgreSQL + Redis through gunicorn: accepted beats/s and latency
of the Redis buffer (issue 11's target) beside the database path, in one run.

    make services
    .venv/bin/python bench/school_heartbeats.py [--members 10000] [--rate 1000] \\
        [--seconds 30] [--warmup 5] [--db-rate 200] [--db-seconds 10] [--workers N] \\
        [--report]

Seeds once (PostgreSQL database school_bench, BENCH_DATABASE_URL to change it):
--members members in 111 党组织, 10 courses x 10 one-hour lessons, a progress row for
every member and lesson, completions and study days. Then, for each path, gunicorn
with deploy/gunicorn.conf.py (sync workers, 2 x CPUs + 1 unless --workers) under
production settings, sessions and cache in Redis (BENCH_REDIS_URL, flushed), plus the
task worker (which runs the folds), and members send a heartbeat every 10 s on an
open-loop schedule: latency counts from when a beat was due, so a saturated server
cannot hide behind fewer requests (a beat that could not even be sent 5 s after it
was due counts as dropped). Each beat claims the next 10 s of its member's lesson;
afterwards the run checks that the database credited exactly 10 s per accepted beat
(the Redis path once its folds have caught up, which is timed too).

1. database path (PORTAL_SCHOOL_HEARTBEAT_REDIS_URL empty): --db-rate beats/s from
   10 x that many members, --db-seconds long: the reference;
2. Redis buffer: --rate beats/s from --members members (1,000/s = 10,000 members at a
   10 s interval), --seconds long after --warmup seconds reported apart.

--report also loads the 学习统计 report as a 党校管理员 every 2 s during the Redis run
and times the report queries in-process (the scale test: --members 100000).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PORT = 8104
CSRF = "benchcsrftoken0123456789abcdefgh"  # 32 characters, sent as cookie and header
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/school_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
LESSON_SECONDS = 3600
GIVE_UP_SECONDS = 5.0
# The tables of 学习统计 (school.admin_views.STUDY_TABLES), loaded in turn by --report.
STUDY_TABLES = [b"branches", b"required", b"overdue", b"courses", b"members"]
WORKER_NICE = int(
    re.search(
        r"^Nice=(-?\d+)$",
        (ROOT / "deploy" / "systemd" / "portal-worker.service").read_text(),
        re.MULTILINE,
    ).group(1)
)

ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": "bench-secret-key-school-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1",
    "PORTAL_BASE_URL": "http://127.0.0.1",
    "SECURE_SSL_REDIRECT": "False",
    "PORTAL_FIELD_ENCRYPTION_KEY": "bench-field-key-0123456789abcdef",
    "PORTAL_VAR_DIR": str(ROOT / "var" / "school-bench"),
    "STATIC_ROOT": str(ROOT / "var" / "school-bench" / "static"),
    "MEDIA_ROOT": str(ROOT / "var" / "school-bench" / "media"),
}
os.environ.update(ENV)
for _name in ("DEBUG", "ELASTICSEARCH_URL", "PORTAL_SCHOOL_HEARTBEAT_REDIS_URL"):
    os.environ.pop(_name, None)


# ---- database and seed ------------------------------------------------------------


def ensure_database() -> None:
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname=%s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, check=True, env=env or os.environ
    )


def seed(members: int, lessons_per_course: int, courses: int) -> None:
    """Organisation, members, courses and progress rows, unless already there."""
    from django.db import connection
    from wagtail.models import Page

    from members.models import Member, Organization
    from school.models import CoursePage, LessonPage, SchoolIndexPage, Video

    if Member.objects.filter(member_no__startswith="B").count() >= members:
        return
    started = time.perf_counter()
    root = Organization.objects.filter(code="BENCH").first() or Organization.add_root(
        name="基准党委", kind="committee", code="BENCH"
    )
    branches = []
    for g in range(10):
        general = Organization.objects.filter(
            code=f"BENCH-{g}"
        ).first() or root.add_child(
            name=f"第{g + 1}党总支", kind="general_branch", code=f"BENCH-{g}"
        )
        for b in range(10):
            code = f"BENCH-{g}-{b}"
            branch = Organization.objects.filter(
                code=code
            ).first() or general.add_child(
                name=f"第{g + 1}总支第{b + 1}支部", kind="branch", code=code
            )
            branches.append(branch.pk)
    if not CoursePage.objects.filter(slug="bench-0").exists():
        home = Page.objects.get(depth=1).get_children().first() or Page.objects.get(
            depth=1
        )
        index = SchoolIndexPage.objects.first()
        if index is None:
            index = SchoolIndexPage(title="网上党校", slug="school")
            home.add_child(instance=index)
        video = Video.objects.create(
            title="基准视频", source="school/sources/bench.mp4", status="ready",
            duration=LESSON_SECONDS, output_dir="school/videos/0-bench",
            hls_master="master.m3u8",
        )  # fmt: skip
        for c in range(courses):
            course = CoursePage(
                title=f"基准课程{c + 1}", slug=f"bench-{c}", credit_hours=4
            )
            index.add_child(instance=course)
            for n in range(lessons_per_course):
                course.add_child(
                    instance=LessonPage(title=f"第{n + 1}讲", slug=f"l{n}", video=video)
                )
    print(f"pages and organisations: {time.perf_counter() - started:.0f} s", flush=True)
    existing = Member.objects.filter(member_no__startswith="B").count()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT '!', false, 'bench' || g, '', '', '', false, true, now()
            FROM generate_series(%s, %s) g
            """,
            [existing + 1, members],
        )
        cursor.execute(
            """
            INSERT INTO members_member (user_id, member_no, real_name, organization_id,
                                        party_post, phone)
            SELECT u.id, 'B' || substr(u.username, 6), '党员' || substr(u.username, 6),
                   (%s::bigint[])[1 + (u.id %% %s)],
                   CASE WHEN u.id %% 50 = 0 THEN '书记' ELSE '党员' END, ''
            FROM auth_user u
            WHERE u.username LIKE 'bench%%' AND u.username <> 'bench-admin'
              AND NOT EXISTS (SELECT 1 FROM members_member m WHERE m.user_id = u.id)
            """,
            [branches, len(branches)],
        )
        print(f"members: {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO school_lessonprogress (member_id, lesson_id, course_id, intervals,
                watched_seconds, last_position, completed_at, started_at, last_beat_at)
            SELECT m.id, l.page_ptr_id, c.page_ptr_id,
                   '[[0, 300]]'::jsonb, 300, 300,
                   CASE WHEN (m.id + l.page_ptr_id) %% 3 = 0 THEN now() END,
                   now() - interval '30 days', now() - interval '1 day'
            FROM members_member m
            CROSS JOIN school_lessonpage l
            JOIN wagtailcore_page lp ON lp.id = l.page_ptr_id
            JOIN wagtailcore_page cp ON cp.path = substr(lp.path, 1, length(lp.path) - 4)
            JOIN school_coursepage c ON c.page_ptr_id = cp.id
            WHERE m.member_no LIKE 'B%%'
            ON CONFLICT DO NOTHING
            """,
            [],
        )
        print(f"progress rows: {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute(
            """
            INSERT INTO school_coursecompletion (member_id, course_id, completed_at, year,
                                                 credit_hours)
            SELECT m.id, c.page_ptr_id, now(), extract(year from now()), 4
            FROM members_member m CROSS JOIN school_coursepage c
            WHERE m.member_no LIKE 'B%%' AND (m.id * 7 + c.page_ptr_id) %% 10 < m.id %% 11
            ON CONFLICT DO NOTHING
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO school_studyday (member_id, day, seconds)
            SELECT m.id, current_date - d - 1, 900
            FROM members_member m CROSS JOIN generate_series(0, 19) d
            WHERE m.member_no LIKE 'B%%' AND m.id %% 5 <> 0
            ON CONFLICT DO NOTHING
            """,
            [],
        )
    from school.stats import rebuild_study_years

    rebuild_study_years()  # the rows above bypassed the services that keep it
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


def members_and_lessons(count: int, skip: int = 0) -> list[tuple[int, int, str]]:
    """(member id, lesson id, session key) for `count` members after the first `skip`;
    sessions are written straight into the database (cached_db reads them through)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from members.models import Member
    from school.models import LessonPage

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    lessons = list(
        LessonPage.objects.filter(video__duration=LESSON_SECONDS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = list(
        Member.objects.filter(member_no__startswith="B")
        .select_related("user")
        .order_by("pk")[skip : skip + count]
    )
    expires = timezone.now() + datetime.timedelta(hours=6)
    rows, result = [], []
    for index, member in enumerate(chosen):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(member.user_id),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: member.user.get_session_auth_hash(),
            # The idle timeout's last-seen time (members.middleware).
            "portal_last_seen": int(time.time()),
            "school_member_id": member.pk,
        }
        rows.append(
            Session(
                session_key=key, session_data=store.encode(data), expire_date=expires
            )
        )
        result.append((member.pk, lessons[index % len(lessons)], key, data))
    Session.objects.bulk_create(rows, batch_size=2000)
    return result


def members_watching(watchers, *, buffered: bool) -> None:
    """The state of members in the middle of a lesson: their lesson rows reset to the
    seeded [0, 300] (so each beat claims new seconds), no clock in the database,
    sessions in the cache; with the Redis buffer, what their first heartbeat and the
    lesson page told it (the session hash checked, the progress to show)."""
    from importlib import import_module

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    from school import heartbeat_buffer

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE school_lessonprogress p
            SET intervals = '[[0, 300]]'::jsonb, watched_seconds = 300
            FROM unnest(%s::bigint[], %s::bigint[]) AS w(member_id, lesson_id)
            WHERE p.member_id = w.member_id AND p.lesson_id = w.lesson_id
            """,
            [[w[0] for w in watchers], [w[1] for w in watchers]],
        )
        cursor.execute(
            "DELETE FROM school_studyclock WHERE member_id = ANY(%s)",
            [[w[0] for w in watchers]],
        )
    engine = import_module(settings.SESSION_ENGINE)
    now = int(time.time())
    for index, (_member, _lesson, _key, data) in enumerate(watchers):
        # Watching: heartbeats write each session's last-seen time every 5 minutes
        # (school.middleware), so these were written over the last 5.
        data["portal_last_seen"] = now - index % 300
    cache.set_many(
        {
            engine.SessionStore(session_key=key).cache_key: data
            for _member, _lesson, key, data in watchers
        },
        3600,
    )
    if buffered:
        for member_id, lesson_id, _key, data in watchers:
            heartbeat_buffer.remember_auth(
                int(data["_auth_user_id"]), data["_auth_user_hash"], member_id
            )
            heartbeat_buffer.remember_seen(member_id, lesson_id, 300.0, False)


def admin_session() -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.filter(username="bench-admin").first()
    if admin is None:
        admin = get_user_model().objects.create_superuser("bench-admin", password=None)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(admin.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = admin.get_session_auth_hash()
    store["portal_last_seen"] = int(time.time())
    store.create()
    return store.session_key


def credited_seconds() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(seconds), 0) FROM school_studyday")
        return float(cursor.fetchone()[0])


# ---- processes --------------------------------------------------------------------


class Processes:
    """gunicorn (deploy/gunicorn.conf.py) and the task worker, in their own groups."""

    def __init__(self, env: dict, workers: int):
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{PORT}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_MAX_REQUESTS": "0",
        }
        self.web = subprocess.Popen(
            [GUNICORN, "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        # At the niceness deploy/systemd/portal-worker.service gives it.
        self.worker = subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.5",
             "--no-reload", "--no-startup-delay"],
            cwd=ROOT, env=env, start_new_session=True,
            preexec_fn=lambda: os.nice(WORKER_NICE),
        )  # fmt: skip
        self.workers = workers

    def wait_until_up(self) -> None:
        import http.client

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise SystemExit(f"gunicorn exited (is port {PORT} taken?)")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def cpu_seconds(self) -> tuple[float, float, float]:
        """CPU used so far by gunicorn (master and workers), by the task worker and
        by the PostgreSQL and Redis servers (all of their processes on this host)."""
        return _tree_cpu(self.web.pid), _tree_cpu(self.worker.pid), _services_cpu()

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.web, self.worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _tree_cpu(pid: int) -> float:
    total = 0
    pids = [pid]
    try:
        pids += [
            int(child)
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except FileNotFoundError:
        return 0.0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def _services_cpu() -> float:
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError):
            continue
        if head.split("(", 1)[1] in ("postgres", "redis-server"):
            total += sum(int(value) for value in rest.split()[11:13])
    return total / CLOCK_TICKS


# ---- open-loop load ---------------------------------------------------------------


class _Exchange(asyncio.Protocol):
    """One request on its own connection (as nginx sends them to gunicorn): write it,
    read the whole answer (the server closes the connection), parse the status."""

    def __init__(self, payload: bytes, answer: asyncio.Future):
        self.payload, self.answer, self.data = payload, answer, bytearray()

    def connection_made(self, transport) -> None:
        transport.write(self.payload)

    def data_received(self, data: bytes) -> None:
        self.data += data

    def connection_lost(self, exc) -> None:
        if self.answer.done():
            return
        head, _, body = bytes(self.data).partition(b"\r\n\r\n")
        try:
            self.answer.set_result((int(head.split(b" ", 2)[1]), body))
        except (IndexError, ValueError):
            self.answer.set_result((0, b""))


async def _request(port: int, payload: bytes) -> tuple[int, bytes]:
    loop = asyncio.get_running_loop()
    answer = loop.create_future()
    await loop.create_connection(lambda: _Exchange(payload, answer), "127.0.0.1", port)
    return await answer


def heartbeat_request(session: str, body: bytes) -> bytes:
    return (
        b"POST /school/progress/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Cookie: sessionid=" + session.encode() + b"; csrftoken=" + CSRF.encode() +
        b"\r\nX-CSRFToken: " + CSRF.encode() +
        b"\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


async def open_loop(
    watchers: list[tuple[int, int, str]], rate: float, seconds: float, base: int,
    warmup: float, admin: str | None,
) -> dict:  # fmt: skip
    """Member i beats at i/rate + k x (members/rate) seconds; each beat claims the next
    10 s of its lesson from `base` on."""
    period = len(watchers) / rate
    schedule = []
    for index, (_member, lesson, key, _data) in enumerate(watchers):
        beat = 0
        while (at := index / rate + beat * period) < seconds:
            schedule.append((at, lesson, key, beat))
            beat += 1
    schedule.sort()
    loop = asyncio.get_running_loop()
    start = loop.time() + 1.0
    latencies: list[float] = []
    warm: list[float] = []
    statuses: dict[int, int] = {}
    counts = {"deferred": 0, "dropped": 0, "accepted": 0, "accepted_measured": 0}
    limit = asyncio.Semaphore(512)

    async def fire(at: float, lesson: int, key: str, beat: int) -> None:
        due = start + at
        await asyncio.sleep(max(0.0, due - loop.time()))
        async with limit:
            if loop.time() - due > GIVE_UP_SECONDS:
                counts["dropped"] += 1
                return
            offset = base + beat * 10
            body = (
                f'{{"lesson": {lesson}, "position": {offset + 10}, "playing": true, '
                f'"intervals": [[{offset}, {offset + 10}]]}}'
            ).encode()
            try:
                status, answer = await asyncio.wait_for(
                    _request(PORT, heartbeat_request(key, body)), 60
                )
            except (TimeoutError, OSError, ValueError, IndexError):
                status, answer = 0, b""
        took = loop.time() - due
        (warm if at < warmup else latencies).append(took)
        statuses[status] = statuses.get(status, 0) + 1
        if status == 200:
            if b'"deferred": true' in answer:
                counts["deferred"] += 1
            else:
                counts["accepted"] += 1
                counts["accepted_measured"] += at >= warmup

    report_times: list[float] = []
    stop = asyncio.Event()

    async def report_loop() -> None:
        # The report shows one table at a time: each in turn, the whole 党委's.
        await asyncio.sleep(warmup + 1.0)
        turn = 0
        while not stop.is_set():
            table = STUDY_TABLES[turn % len(STUDY_TABLES)]
            turn += 1
            request = (
                b"GET /admin/school/stats/?table=" + table + b" HTTP/1.1\r\n"
                b"Host: 127.0.0.1\r\nCookie: sessionid=" + admin.encode() +
                b"\r\nConnection: close\r\n\r\n"
            )  # fmt: skip
            began = loop.time()
            status, _ = await _request(PORT, request)
            if status == 200:
                report_times.append(loop.time() - began)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 2)

    reporter = asyncio.create_task(report_loop()) if admin else None
    await asyncio.gather(*(fire(*item) for item in schedule))
    elapsed = loop.time() - start
    stop.set()
    if reporter:
        await reporter
    measured = [at for at, *_ in schedule if at >= warmup]
    return {
        "latencies": latencies,
        "warm": warm,
        "statuses": statuses,
        "elapsed": elapsed,
        "measured_seconds": seconds - warmup,
        "measured_beats": len(measured),
        "report_times": report_times,
        **counts,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def describe(label: str, result: dict, cpu: tuple[float, float, float]) -> None:
    latencies = result["latencies"]
    rate = result["accepted_measured"] / result["measured_seconds"]
    print(f"\n{label}")
    print(f"  statuses {result['statuses']}, accepted {result['accepted']}, "
          f"deferred {result['deferred']}, dropped (not sent within "
          f"{GIVE_UP_SECONDS:.0f} s of due) {result['dropped']}")  # fmt: skip
    if latencies:
        print(
            f"  accepted {rate:.0f} beats/s over {result['measured_seconds']:.0f} s "
            f"(after warm-up); latency from due time: "
            f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )
    if result["warm"]:
        print(f"  warm-up: p99 {percentile(result['warm'], 0.99) * 1000:.0f} ms")
    beats = max(1, sum(result["statuses"].values()))
    print(f"  CPU: gunicorn {cpu[0] * 1000 / beats:.2f} ms/beat, task worker "
          f"(folds) {cpu[1] * 1000 / beats:.2f} ms/beat, PostgreSQL and Redis "
          f"{cpu[2] * 1000 / beats:.2f} ms/beat, this load generator "
          f"{result['client_cpu'] * 1000 / beats:.2f} ms/beat")  # fmt: skip


# ---- the run ----------------------------------------------------------------------


def run_path(
    label: str, env: dict, watchers, rate: float, seconds: float, warmup: float,
    base: int, workers: int, admin: str | None = None, buffered: bool = False,
) -> dict:  # fmt: skip
    subprocess.run(["redis-cli", "-u", REDIS_URL, "FLUSHDB"], check=True,
                   capture_output=True)  # fmt: skip
    from django.test.utils import override_settings

    with override_settings(
        PORTAL_SCHOOL_HEARTBEAT_REDIS_URL=REDIS_URL if buffered else ""
    ):
        members_watching(watchers, buffered=buffered)
    before = credited_seconds()
    processes = Processes(env, workers)
    try:
        processes.wait_until_up()
        cpu_before = processes.cpu_seconds()
        own_before = time.process_time()
        # uvloop (requirements-dev.txt): the generator shares the 2 cores with what
        # it measures, and takes about half the CPU per beat of asyncio's own loop.
        result = uvloop.run(
            open_loop(watchers, rate, seconds + warmup, base, warmup, admin)
        )
        drained_after = 0.0
        if buffered:
            drained_after = wait_for_folds()
        cpu_after = processes.cpu_seconds()
        result["client_cpu"] = time.process_time() - own_before
    finally:
        processes.stop()
    describe(
        label,
        result,
        tuple(end - start for end, start in zip(cpu_after, cpu_before, strict=True)),
    )
    credited = credited_seconds() - before
    expected = result["accepted"] * 10
    verdict = "exact" if abs(credited - expected) < 0.01 else "MISMATCH"
    if buffered:
        print(f"  folds caught up {drained_after:.1f} s after the last beat")
    print(f"  credited {credited:.0f} s for {result['accepted']} accepted beats of "
          f"10 s: {verdict}")  # fmt: skip
    if result["report_times"]:
        times = result["report_times"]
        print(f"  admin stats report under load: {len(times)} loads, median "
              f"{statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms")  # fmt: skip
    return result


def wait_for_folds(timeout: float = 90) -> float:
    """Seconds until every buffered beat is in the database (the worker folds)."""
    from django.test.utils import override_settings

    from school import heartbeat_buffer

    began = time.monotonic()
    with override_settings(PORTAL_SCHOOL_HEARTBEAT_REDIS_URL=REDIS_URL):
        while time.monotonic() - began < timeout:
            if heartbeat_buffer.pending_count() == 0:
                return time.monotonic() - began
            time.sleep(0.2)
        print("  folds did not catch up: folding the rest here")
        heartbeat_buffer.fold_heartbeats(max_seconds=600)
    return time.monotonic() - began


def stats_in_process() -> None:
    from members.models import Organization
    from school import stats

    year = time.localtime().tm_year
    all_orgs = Organization.objects.filter(code__startswith="BENCH")
    branch = Organization.objects.get(code="BENCH-3")
    for label, call in (
        ("organisation report, whole 党委 (111 orgs)",
         lambda: stats.organization_report(all_orgs, year)),
        ("organisation report, one 党总支 (11 orgs)",
         lambda: stats.organization_report(Organization.objects.within(branch), year)),
        ("course report, whole 党委", lambda: stats.course_report(all_orgs, year)),
        ("member ranking, first page of 50", lambda: list(stats.member_ranking(all_orgs, year)[:50])),
    ):  # fmt: skip
        times = []
        for _ in range(3):
            began = time.perf_counter()
            call()
            times.append(time.perf_counter() - began)
        print(f"  {label}: median {statistics.median(times) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=10)
    parser.add_argument("--lessons", type=int, default=10, help="lessons per course")
    parser.add_argument("--rate", type=float, default=1000, help="Redis path beats/s")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--db-rate", type=float, default=200)
    parser.add_argument("--db-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=0, help="default 2 x CPUs + 1")
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    workers = args.workers or 2 * len(os.sched_getaffinity(0)) + 1
    Path(ENV["PORTAL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    if args.report:
        manage("collectstatic", "--noinput", "-v0", "--ignore", "vendor")
    import django

    django.setup()
    from django.db import connection

    seed(args.members, args.lessons, args.courses)
    watchers = members_and_lessons(int(args.rate * 10))
    if len(watchers) < int(args.rate * 10):
        raise SystemExit(f"--members must be at least {int(args.rate * 10)}")
    db_watchers = watchers[: int(args.db_rate * 10)]
    admin = admin_session() if args.report else None
    if args.report:
        print("stats queries, idle server:")
        stats_in_process()
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    connection.close()
    env = dict(os.environ)
    print(f"gunicorn: {workers} sync workers (deploy/gunicorn.conf.py), production "
          f"settings, PostgreSQL, sessions and cache in Redis; {os.cpu_count()} CPUs "
          f"shared with this load generator and the task worker")  # fmt: skip
    run_path(
        f"1. database path: {args.db_rate:.0f} beats/s from {len(db_watchers)} members",
        {**env, "PORTAL_SCHOOL_HEARTBEAT_REDIS_URL": ""},
        db_watchers, args.db_rate, args.db_seconds, min(args.warmup, 3), 400,
        workers,
    )  # fmt: skip
    run_path(
        f"2. Redis buffer: {args.rate:.0f} beats/s from {len(watchers)} members "
        f"(target: >= 1,000/s, p99 <= 100 ms)",
        {**env, "PORTAL_SCHOOL_HEARTBEAT_REDIS_URL": REDIS_URL},
        watchers, args.rate, args.seconds, args.warmup, 400, workers,
        admin=admin, buffered=True,
    )  # fmt: skip


if __name__ == "__main__":
    main()
