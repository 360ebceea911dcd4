"""Heartbeat throughput/p99 against gunicorn on PostgreSQL, and the stats report at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/school_bench \\
        .venv/bin/python bench/school_heartbeats.py [--members 100000] [--lessons 100] \\
        [--watchers 2000] [--rate 200] [--seconds 30] [--warmup 10] [--workers 4]

With REDIS_URL set (e.g. redis://127.0.0.1:6379/7) sessions and cache use Redis, as in
production; otherwise sessions are read from the database on every request.

Seeds (once) 100,000 members in 111 党组织, 10 courses x 10 lessons and a progress row
for every member and lesson (10 million), completions and study days; starts gunicorn;
2,000 members send a heartbeat every 10 s (200/s) on an open-loop schedule, so latency
counts from when a beat was due; meanwhile a 党校管理员 loads the statistics report.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/school_bench"
PORT = 8104
CSRF = "benchcsrftoken0123456789abcdefgh"  # 32 characters, sent as cookie and header

os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-secret-key-school-0123456789abcdef")
os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="school-bench-"))
os.environ.setdefault("ALLOWED_HOSTS", "*")


def ensure_database() -> None:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname=%s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def seed(members: int, lessons_per_course: int, courses: int) -> dict:
    """Create the organisation, members, courses and progress rows unless already there."""
    from django.db import connection
    from wagtail.models import Page

    from members.models import Member, Organization
    from school.models import CoursePage, LessonPage, SchoolIndexPage, Video

    if Member.objects.filter(member_no__startswith="B").count() >= members:
        return _ids()
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
    home = Page.objects.get(depth=1).get_children().first() or Page.objects.get(depth=1)
    index = SchoolIndexPage.objects.first()
    if index is None:
        index = SchoolIndexPage(title="网上党校", slug="school")
        home.add_child(instance=index)
    video = Video.objects.create(
        title="基准视频", source="school/sources/bench.mp4", status="ready", duration=600,
        output_dir="school/videos/0-bench", hls_master="master.m3u8",
    )  # fmt: skip
    for c in range(courses):
        course = CoursePage(title=f"基准课程{c + 1}", slug=f"bench-{c}", credit_hours=4)
        index.add_child(instance=course)
        for n in range(lessons_per_course):
            course.add_child(
                instance=LessonPage(title=f"第{n + 1}讲", slug=f"l{n}", video=video)
            )
    print(f"pages and organisations: {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT '!', false, 'bench' || g, '', '', '', false, true, now()
            FROM generate_series(1, %s) g
            """,
            [members],
        )
        cursor.execute(
            """
            INSERT INTO members_member (user_id, member_no, real_name, organization_id,
                                        party_post, phone)
            SELECT u.id, 'B' || substr(u.username, 6), '党员' || substr(u.username, 6),
                   (%s::bigint[])[1 + (u.id %% %s)],
                   CASE WHEN u.id %% 50 = 0 THEN '书记' ELSE '党员' END, ''
            FROM auth_user u WHERE u.username LIKE 'bench%%'
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
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO school_studyday (member_id, day, seconds)
            SELECT m.id, current_date - d, 900
            FROM members_member m CROSS JOIN generate_series(0, 19) d
            WHERE m.member_no LIKE 'B%%' AND m.id %% 5 <> 0
            """,
            [],
        )
    from school.stats import rebuild_study_years

    rebuild_study_years()  # the rows above bypassed the services that keep it
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return _ids()


def _ids() -> dict:
    from members.models import Member
    from school.models import LessonPage, LessonProgress

    return {
        "members": LessonProgress.objects.count(),
        "member_count": Member.objects.count(),
        "lessons": list(LessonPage.objects.order_by("pk").values_list("pk", flat=True)),
    }


def sessions(count: int) -> tuple[list[str], str]:
    """Session keys for `count` members and one 党校管理员 (superuser)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    from members.models import Member

    def session_for(user) -> str:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    users = [m.user for m in Member.objects.filter(member_no__startswith="B")
             .select_related("user").order_by("pk")[:count]]  # fmt: skip
    admin = get_user_model().objects.filter(username="bench-admin").first()
    if admin is None:
        admin = get_user_model().objects.create_superuser("bench-admin", password=None)
    return [session_for(u) for u in users], session_for(admin)


def start_server(workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", str(workers),
         "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{PORT}",
         "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited (is port {PORT} taken?)")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/school/progress/")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not start")


_local = threading.local()


def request(method: str, path: str, session: str, body: bytes | None = None) -> int:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        conn.close()
        _local.conn = None
        return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def run_load(
    keys: list[str], lessons: list[int], rate: int, seconds: int, admin: str,
    warmup: int,
):  # fmt: skip
    """Open loop: member i beats at i/rate + 10k seconds; latency counts from then.

    Beats due in the first `warmup` seconds (fresh gunicorn workers, every member's
    first beat) are sent but reported apart; the report loads start after them.
    """
    period = len(keys) / rate
    schedule = []
    for i, key in enumerate(keys):
        beat = 0
        while (at := i / rate + beat * period) < seconds:
            schedule.append((at, key, lessons[i % len(lessons)], beat))
            beat += 1
    schedule.sort()
    latencies: list[float] = []
    warm: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def fire(item):
        at, key, lesson, beat = item
        delay = start + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        offset = 300 + beat * 10
        body = (
            f'{{"lesson": {lesson}, "position": {offset + 10}, "playing": true, '
            f'"intervals": [[{offset}, {offset + 10}]]}}'
        ).encode()
        status = request("POST", "/school/progress/", key, body)
        took = time.perf_counter() - (start + at)
        with lock:
            (warm if at < warmup else latencies).append(took)
            statuses[status] = statuses.get(status, 0) + 1

    report_times: list[float] = []
    stop = threading.Event()

    def report_loop():
        time.sleep(warmup + 0.5)
        while not stop.is_set():
            began = time.perf_counter()
            status = request("GET", "/admin/school/stats/", admin)
            if status == 200:
                report_times.append(time.perf_counter() - began)
            stop.wait(2)

    reporter = threading.Thread(target=report_loop)
    reporter.start()
    with ThreadPoolExecutor(max_workers=96) as pool:
        list(pool.map(fire, schedule))
    elapsed = time.perf_counter() - start
    stop.set()
    reporter.join()
    return latencies, warm, statuses, elapsed, report_times


def stats_in_process() -> None:
    from members.models import Organization
    from school import stats

    year = time.localtime().tm_year
    all_orgs = Organization.objects.filter(code__startswith="BENCH")
    branch = Organization.objects.get(code="BENCH-3")
    for label, call in (
        ("organisation report, whole 党委 (111 orgs, 100k members)",
         lambda: stats.organization_report(all_orgs, year)),
        ("organisation report, one 党总支 (11 orgs, 10k members)",
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
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=10)
    parser.add_argument("--lessons", type=int, default=10, help="lessons per course")
    parser.add_argument("--watchers", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10, help="seconds reported apart")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    ensure_database()
    manage("migrate", "--noinput", "-v0")
    import django

    django.setup()
    from django.db import connection

    data = seed(args.members, args.lessons, args.courses)
    print(f"data: {data['member_count']} members, {data['members']} progress rows, "
          f"{len(data['lessons'])} lessons")  # fmt: skip
    print("stats queries, idle server:")
    stats_in_process()
    keys, admin = sessions(args.watchers)
    with connection.cursor() as cursor:
        # Seeding and migrating leave GBs of dirty pages; measure steady state.
        cursor.execute("CHECKPOINT")
    random.seed(1)
    server = start_server(args.workers)
    try:
        latencies, warm, statuses, elapsed, report_times = run_load(
            keys, data["lessons"], args.rate, args.seconds + args.warmup, admin,
            args.warmup,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    done = len(latencies) + len(warm)
    ok = statuses.get(200, 0)
    print(f"heartbeats: {done} in {elapsed:.1f} s = {done / elapsed:.0f}/s "
          f"(target {args.rate}/s from {len(keys)} members); status counts {statuses}")  # fmt: skip
    for label, values in ((f"first {args.warmup} s (warm-up)", warm),
                          (f"next {args.seconds} s", latencies)):  # fmt: skip
        if values:
            print(f"latency from due time, {label}: "
                  f"p50 {percentile(values, 0.5) * 1000:.0f} ms, "
                  f"p95 {percentile(values, 0.95) * 1000:.0f} ms, "
                  f"p99 {percentile(values, 0.99) * 1000:.0f} ms, "
                  f"max {max(values) * 1000:.0f} ms")  # fmt: skip
    print(f"ok {ok / done * 100:.1f} %")
    if report_times:
        print(f"admin stats report under load: {len(report_times)} loads, median "
              f"{statistics.median(report_times) * 1000:.0f} ms, "
              f"p90 {percentile(report_times, 0.9) * 1000:.0f} ms, "
              f"max {max(report_times) * 1000:.0f} ms (target: under 500 ms)")  # fmt: skip
    print(f"gunicorn: {args.workers} workers x 4 threads on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
