"""The demo bank loads cleanly, twice, and gives the demo course its two exams."""

import pytest
from django.utils import timezone

from exams import demo
from exams.models import Exam, Question

pytestmark = pytest.mark.django_db


def test_demo_bank_loads_once_and_attaches_exams(course):
    course.slug = demo.COURSE_SLUG
    course.save()
    demo.load()
    count = Question.objects.count()
    assert count == len(demo.QUESTIONS) >= 60
    assert set(Question.objects.values_list("kind", flat=True)) == {
        "single", "multiple", "judge", "fill"
    }  # fmt: skip
    summary = demo.load()
    assert "新增 0，更新 0" in summary and Question.objects.count() == count
    quiz = Exam.objects.get(kind="quiz")
    final = Exam.objects.get(kind="final")
    assert quiz.lesson_id == course.lessons[0].pk and final.course_id == course.pk
    assert final.question_count == 20
    for exam in (quiz, final):
        for rule in exam.draw_rules.all():
            assert rule.candidates().count() >= rule.count, rule


def test_demo_issues_missing_certificates_and_revokes_one(course, member, other_member):
    from django.db.models.signals import post_save

    from exams.apps import _issue_on_completion
    from exams.models import Certificate
    from school.models import CourseCompletion

    course.slug = demo.COURSE_SLUG
    course.save()
    # Completions recorded before certificates existed (no signal then).
    post_save.disconnect(_issue_on_completion, sender=CourseCompletion,
                         dispatch_uid="exams.issue_certificate")  # fmt: skip
    try:
        for someone in (member, other_member):
            CourseCompletion.objects.create(
                member=someone, course=course, year=2026, credit_hours=2
            )
    finally:
        post_save.connect(_issue_on_completion, sender=CourseCompletion,
                          dispatch_uid="exams.issue_certificate")  # fmt: skip
    assert not Certificate.objects.exists()
    demo.load()
    demo.load()
    assert Certificate.objects.count() == 2
    assert Certificate.objects.filter(revoked_at__isnull=False).count() == 1


def test_demo_contests_with_attempts_and_boards(course, tree):
    from exams.contests import boards
    from tests.members.factories import MemberFactory

    course.slug = demo.COURSE_SLUG
    course.save()
    for _ in range(12):
        MemberFactory(organization=tree[1])
    demo.load()
    demo.load()
    running = Exam.objects.get(title=demo.CONTESTS[0][0])
    closed = Exam.objects.get(title=demo.CONTESTS[1][0])
    assert running.contest_phase() == "open" and closed.contest_phase() == "closed"
    board = boards(closed)
    assert board.participants >= 5 and board.branches[0].name == "第一党支部"
    # And one held last quarter (网上考核's closed demo plan rates its members on it).
    from assessment.demo import previous_quarter

    earlier = Exam.objects.get(title=demo.EARLIER_CONTEST[0])
    start, end = previous_quarter()
    assert earlier.contest_phase() == "closed"
    assert start <= timezone.localdate(earlier.ends_at) <= end
    assert earlier.attempts.filter(submitted_at__isnull=False).exists()
    assert Exam.objects.filter(kind="contest").count() == 3


def test_demo_daily_history_gives_a_streak_and_points(course, tree):
    from exams import daily
    from exams.models import DailySet
    from points import demo as points_demo
    from points.models import PointEntry
    from tests.members.factories import MemberFactory, UserFactory

    course.slug = demo.COURSE_SLUG
    course.save()
    sun = MemberFactory(
        organization=tree[1], real_name="孙明", user=UserFactory(username="dangyuan")
    )
    others = [MemberFactory(organization=tree[2]) for _ in range(3)]
    demo.load()
    assert daily.streak(sun) == 6 and daily.today_set(sun) is None
    assert DailySet.objects.filter(member=sun).count() == 6
    assert DailySet.objects.filter(member__in=others).count() >= 6
    count = DailySet.objects.count()
    demo.load()
    assert DailySet.objects.count() == count
    # Today's five are still there to draw for 孙明.
    assert daily.start_today(sun).attempt.question_count == 5
    points_demo.load()
    assert (
        PointEntry.objects.filter(member=sun, rule__code="daily_correct").count() == 6
    )
