"""A 知识竞赛 with 2,000 members on PostgreSQL through gunicorn: p95 of an answer save
and of the leaderboard page.

    make services
    .venv/bin/python bench/exams_contest.py [--members 2000] [--clients 24] \\
        [--answers 10] [--workers N]

Seeds once (PostgreSQL database exams_contest_bench, BENCH_DATABASE_URL to change it):
the demo question bank, --members members in 100 branches (bench/school_heartbeats.py's
tree and bulk insert), sessions written straight into the database, and a running
contest of the whole tree drawing --answers questions. Then gunicorn with
deploy/gunicorn.conf.py (production settings, sessions and cache in Redis) serves a
bounded pool of --clients concurrent clients (sized for 2 shared cores): each client
takes the next member, starts their attempt, saves every answer one by one as the page
does (JSON POST with CSRF) and hands in, until every member has taken part. Beside
them one client reloads the leaderboard page as a member, back to back, the whole
time. Prints p50/p95/p99 of the answer saves, the starts and hand-ins, and the board,
with the requests per second the server sustained.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/exams_contest_bench"
)
from bench import school_heartbeats as base  # noqa: E402 - sets the environment first

PORT = base.PORT
CONTEST_TITLE = "基准知识竞赛"


def seed_contest(members: int, answers: int) -> int:
    """The bank, members and a running contest of the whole tree; its id."""
    import datetime

    from django.utils import timezone

    from exams import demo
    from exams.importers import HEADERS, import_questions, to_bytes
    from exams.models import Attempt, Exam, ExamRule
    from members.models import Organization

    base.seed(members, lessons_per_course=1, courses=1)
    if not Exam.objects.filter(kind="contest", title=CONTEST_TITLE).exists():
        import_questions(to_bytes([HEADERS, *demo.QUESTIONS], "xlsx"), "bench.xlsx")
    root = Organization.objects.get(code="BENCH")
    now = timezone.now()
    exam, created = Exam.objects.get_or_create(
        kind="contest",
        title=CONTEST_TITLE,
        defaults={
            "organization": root,
            "starts_at": now - datetime.timedelta(hours=1),
            "ends_at": now + datetime.timedelta(days=1),
            "time_limit_minutes": 30,
            "max_attempts": 0,
        },
    )
    exam.ends_at = now + datetime.timedelta(days=1)
    exam.save(update_fields=["ends_at"])
    if created:
        exam.audience.set([root])
        ExamRule.objects.create(exam=exam, kind="single", count=answers)
    ExamRule.objects.filter(exam=exam).update(count=answers)
    Attempt.objects.filter(exam=exam).delete()  # every run starts from no attempts
    return exam.pk


def sessions(count: int) -> list[str]:
    return [key for _, _, key, _ in base.members_and_lessons(count)]


class Client:
    """One keep-alive connection with a member's session cookie and CSRF token."""

    def __init__(self, session: str):
        self.session = session
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)

    def request(self, method: str, path: str, body: bytes = b"", kind: str = ""):
        headers = {
            "Host": "127.0.0.1",
            "Cookie": f"sessionid={self.session}; csrftoken={base.CSRF}",
            "X-CSRFToken": base.CSRF,
            "Referer": "http://127.0.0.1/",
        }
        if kind:
            headers["Content-Type"] = kind
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                if attempt:
                    raise
        return (
            response.status,
            response.getheader("Location"),
            data,
            (time.perf_counter() - started),
        )


def take_part(session: str, contest: int, timings: dict, lock) -> None:
    client = Client(session)
    status, location, _, took = client.request(
        "POST",
        f"/exams/{contest}/start/",
        f"csrfmiddlewaretoken={base.CSRF}".encode(),
        "application/x-www-form-urlencoded",
    )
    record(timings, lock, "start", took, status == 302 and "/attempts/" in location)
    attempt = location.rstrip("/").rsplit("/", 1)[1]
    status, _, page, _ = client.request("GET", f"/exams/attempts/{attempt}/")
    letters = re.findall(rb'name="q(\d+)" value="([A-F])"', page)
    first = {}
    for position, letter in letters:
        first.setdefault(int(position), letter.decode())
    for position, letter in sorted(first.items()):
        body = json.dumps({"position": position, "answer": [letter]}).encode()
        status, _, _, took = client.request(
            "POST", f"/exams/attempts/{attempt}/answer/", body, "application/json"
        )
        record(timings, lock, "answer", took, status == 200)
    status, _, _, took = client.request(
        "POST",
        f"/exams/attempts/{attempt}/submit/",
        f"csrfmiddlewaretoken={base.CSRF}".encode(),
        "application/x-www-form-urlencoded",
    )
    record(timings, lock, "submit", took, status == 302)


def record(timings: dict, lock, label: str, took: float, ok: bool) -> None:
    with lock:
        timings.setdefault(label, []).append(took)
        if not ok:
            timings.setdefault(f"{label} failed", []).append(took)


def watch_board(session: str, contest: int, timings, lock, stop) -> None:
    client = Client(session)
    while not stop.is_set():
        status, _, page, took = client.request(
            "GET", f"/exams/contests/{contest}/board/"
        )
        record(
            timings,
            lock,
            "board",
            took,
            status == 200 and "党组织排名" in page.decode(),
        )
        time.sleep(0.2)


def line(label: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    pick = lambda p: ms[min(len(ms) - 1, int(len(ms) * p))]  # noqa: E731
    return (
        f"  {label:<8} n={len(ms):>6}  p50 {pick(0.5):7.1f} ms  "
        f"p95 {pick(0.95):7.1f} ms  p99 {pick(0.99):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    args = parser.parse_args()

    base.ensure_database()
    base.manage("migrate", "--noinput", "-v", "0")
    base.manage("collectstatic", "--noinput", "-v", "0")
    import django

    django.setup()
    contest = seed_contest(args.members, args.answers)
    keys = sessions(args.members)
    print(f"{len(keys)} members, contest {contest}, {args.clients} clients, "
          f"{args.workers} gunicorn workers", flush=True)  # fmt: skip
    processes = base.Processes(dict(os.environ), args.workers)
    try:
        processes.wait_until_up()
        timings: dict[str, list[float]] = {}
        lock, stop = threading.Lock(), threading.Event()
        board = threading.Thread(
            target=watch_board, args=(keys[0], contest, timings, lock, stop)
        )
        started = time.perf_counter()
        board.start()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(lambda k: take_part(k, contest, timings, lock), keys))
        stop.set()
        board.join()
        elapsed = time.perf_counter() - started
    finally:
        processes.stop()
    requests = sum(len(v) for k, v in timings.items() if "failed" not in k)
    print(f"{args.members} members took part in {elapsed:.0f} s, "
          f"{requests / elapsed:.0f} requests/s", flush=True)  # fmt: skip
    for label in ("answer", "start", "submit", "board"):
        print(line(label, timings.get(label, [0.0])))
    failures = {k: len(v) for k, v in timings.items() if "failed" in k}
    print(f"  failed: {failures or 'none'}")

    from exams.contests import boards
    from exams.models import Exam

    timed = time.perf_counter()
    result = boards(Exam.objects.get(pk=contest))
    print(f"  boards in-process over {result.participants} participants: "
          f"{(time.perf_counter() - timed) * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
