"""Starting and submitting in parallel, on the real test database (SQLite, or
PostgreSQL with DATABASE_URL): one open attempt per member and exam, graded once."""

import threading

import pytest
from django.db import connection

from exams import services
from exams.models import Attempt
from tests.exams.factories import (
    ExamFactory,
    ExamRuleFactory,
    QuestionCategoryFactory,
    QuestionFactory,
)
from tests.members.factories import MemberFactory
from tests.school.factories import CoursePageFactory, SchoolIndexPageFactory

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
    course = CoursePageFactory(parent=SchoolIndexPageFactory(slug="school-c"))
    QuestionFactory.create_batch(
        4, kind="judge", category=QuestionCategoryFactory(name="党章")
    )
    exam = ExamFactory(title="结业考试", kind="final", course=course)
    ExamRuleFactory(exam=exam, count=4)
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

    QuestionFactory.create_batch(6, kind="judge")
    member = MemberFactory()
    results = run_together(lambda: daily.start_today(member).pk)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert DailySet.objects.filter(member=member).count() == 1
    assert Attempt.objects.filter(member=member, exam__kind="daily").count() == 1
