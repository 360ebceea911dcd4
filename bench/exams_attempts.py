"""Exam attempts through the whole Django stack; prints figures.

Usage: .venv/bin/python bench/exams_attempts.py [--members N] [--database-url URL]
Builds a fresh database (SQLite in a temporary folder, or the empty PostgreSQL database
given, e.g. after `createdb bench_exams`) with the demo question bank and a course whose
结业考试 draws 20 questions, then, one member after another through Django's test
client (sessions, CSRF middleware, JSON parsing, the views): starts an attempt, saves
each of the 20 answers as the member page does, and hands in. Prints the median and
95th percentile of each request, the database queries of one answer save, and how
long the staff statistics page of the exam takes over all attempts.
"""

import argparse
import json
import statistics
import time

from fresh_site import fresh_site


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return (
        f"p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   (n={len(times)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    fresh_site("bench-exams-", database_url=args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from exams import demo as exams_demo
    from exams.models import Attempt, Exam, ExamRule
    from home.management.commands.setup_site import install_sections
    from members.models import Member, Organization
    from school.models import CoursePage, LessonPage, SchoolIndexPage

    install_sections()
    index = SchoolIndexPage.objects.first()
    course = index.add_child(
        instance=CoursePage(title="学习党章 筑牢根基", slug=exams_demo.COURSE_SLUG)
    )
    course.add_child(instance=LessonPage(title="第一讲 党章的总纲", slug="l1"))
    exams_demo.load()
    exam = Exam.objects.get(kind="final")
    exam.max_attempts = 0
    exam.save()
    assert sum(r.count for r in ExamRule.objects.filter(exam=exam)) == 20

    root = Organization.add_root(name="集团党委", code="B0", kind="committee")
    branches = [
        root.add_child(name=f"第{n}党支部", code=f"B{n}", kind="branch")
        for n in range(1, 11)
    ]
    users = get_user_model()
    members = []
    for n in range(args.members):
        user = users.objects.create_user(f"bench{n}", password=None)
        members.append(
            Member.objects.create(
                user=user,
                real_name=f"党员{n}",
                member_no=f"BM{n:06d}",
                organization=branches[n % len(branches)],
            )
        )

    starts, saves, submits = [], [], []
    save_queries = None
    for number, member in enumerate(members):
        client = Client()
        client.force_login(member.user)
        began = time.perf_counter()
        response = client.post(f"/exams/{exam.pk}/start/")
        starts.append((time.perf_counter() - began) * 1000)
        attempt_id = response["Location"].split("/")[-2]
        attempt = Attempt.objects.get(public_id=attempt_id)
        url = f"/exams/attempts/{attempt_id}/answer/"
        for answer in attempt.answers.all():
            if answer.kind == "fill":
                given = [part.split("/")[0] for part in answer.key.split("|")]
            else:
                given = list(answer.key) if number % 3 else [answer.letters[0]]
            body = json.dumps({"position": answer.position, "answer": given})
            began = time.perf_counter()
            if save_queries is None:
                with CaptureQueriesContext(connection) as queries:
                    saved = client.post(url, body, content_type="application/json")
                save_queries = len(queries)
            else:
                saved = client.post(url, body, content_type="application/json")
            saves.append((time.perf_counter() - began) * 1000)
            assert saved.status_code == 200, saved.content
        began = time.perf_counter()
        client.post(f"/exams/attempts/{attempt_id}/submit/")
        submits.append((time.perf_counter() - began) * 1000)

    staff = users.objects.create_superuser("benchadmin", "b@example.com", "x")
    client = Client()
    client.force_login(staff)
    stats_times = []
    for _ in range(5):
        began = time.perf_counter()
        assert client.get(f"/admin/exams/stats/{exam.pk}/").status_code == 200
        stats_times.append((time.perf_counter() - began) * 1000)

    passed = Attempt.objects.filter(exam=exam, passed=True).count()
    print(f"database: {connection.vendor}, {args.members} members x 20 questions")
    print(f"start attempt    {percentiles(starts)}")
    print(f"save one answer  {percentiles(saves)}   {save_queries} queries")
    print(f"hand in          {percentiles(submits)}")
    print(f"statistics page  {percentiles(stats_times)}")
    print(f"attempts graded: {Attempt.objects.submitted().count()}, passed: {passed}")


if __name__ == "__main__":
    main()
