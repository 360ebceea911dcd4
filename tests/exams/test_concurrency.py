"""Starting and submitting in parallel, on the real test database (SQLite, or
PostgreSQL with DATABASE_URL): one open attempt per member and exam, graded once."""

import threading

import pytest
from django.db import connection

from exams import services
from exams.models import Attempt, Exam, ExamRule, Question
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 8


def run_together(target) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = []

    def work():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # reported by the assertions below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def exam():
    from exams.models import QuestionCategory
    from home.models import HomePage
    from school.models import CoursePage, SchoolIndexPage

    index = HomePage.objects.get().add_child(
        instance=SchoolIndexPage(title="网上党校", slug="school-c")
    )
    course = index.add_child(instance=CoursePage(title="党章", slug="c"))
    category = QuestionCategory.objects.create(name="党章")
    for number in range(4):
        Question.objects.create(
            kind="judge", stem=f"判断题 {number}", answer="A", category=category
        )
    exam = Exam.objects.create(title="结业考试", kind="final", course=course)
    ExamRule.objects.create(exam=exam, count=4)
    return exam


def test_parallel_starts_share_one_open_attempt(exam):
    member = MemberFactory()
    results = run_together(lambda: services.start_attempt(exam, member).pk)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Attempt.objects.filter(exam=exam, member=member).count() == 1


def test_parallel_submissions_grade_once(exam):
    member = MemberFactory()
    attempt = services.start_attempt(exam, member)
    responses = {a.position: ["A"] for a in attempt.answers.all()}
    results = run_together(
        lambda: services.submit_attempt(attempt, member=member, responses=responses)
    )
    assert all(isinstance(r, services.Submission) for r in results), results
    assert sum(not r.already for r in results) == 1
    attempt.refresh_from_db()
    assert attempt.score == 100 and attempt.submitted_at is not None


def test_parallel_daily_starts_make_one_set():
    """每日答题: eight requests of one member at once make one attempt and one set."""
    from exams import daily
    from exams.models import DailySet

    for number in range(6):
        Question.objects.create(kind="judge", stem=f"每日判断 {number}", answer="A")
    member = MemberFactory()
    results = run_together(lambda: daily.start_today(member).pk)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert DailySet.objects.filter(member=member).count() == 1
    assert Attempt.objects.filter(member=member, exam__kind="daily").count() == 1
