"""Attempts: drawing, one open attempt, saving, the deadline, grading once, refusals."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from exams import services
from exams.models import AttemptAnswer, ExamQuestion
from school.models import CourseCompletion, LessonProgress
from tests.exams.factories import AttemptFactory, ExamFactory, QuestionFactory
from tests.members.factories import MemberFactory

from .conftest import answer_all

pytestmark = pytest.mark.django_db


def test_draw_follows_the_rules_and_skips_retired_questions(quiz, bank):
    bank[0].retired = True
    bank[0].save()
    attempt = services.start_attempt(quiz, member := MemberFactory())
    kinds = sorted(a.kind for a in attempt.answers.all())
    assert kinds == ["judge", "judge", "single"]  # only one active 单选 is left
    assert bank[0].pk not in {a.question_id for a in attempt.answers.all()}
    assert attempt.question_count == 3 and attempt.member == member


def test_a_seeded_draw_repeats_whatever_order_the_database_returns(quiz, bank):
    """Demos pass a seeded stream so their histories are the same on SQLite and
    PostgreSQL; rules with no sort order and candidates are read in primary-key order,
    so one seed gives one paper, question order and option order included."""
    import random

    papers = []
    for who in (MemberFactory(), MemberFactory()):
        attempt = services.start_attempt(quiz, who, rng=random.Random("种子"))
        papers.append([(a.question_id, a.options) for a in attempt.answers.all()])
    assert papers[0] == papers[1]
    assert [q.pk for q in services.draw_questions(quiz, random.Random(7))] == [
        q.pk for q in services.draw_questions(quiz, random.Random(7))
    ]


def test_fixed_exam_asks_its_list(course, bank):
    exam = ExamFactory(title="固定", lesson=course.lessons[1], mode="fixed")
    for question in bank[:3]:
        ExamQuestion.objects.create(exam=exam, question=question)
    attempt = services.start_attempt(exam, MemberFactory())
    assert {a.question_id for a in attempt.answers.all()} == {q.pk for q in bank[:3]}


def test_option_order_is_shuffled_per_attempt_and_stored(final, member, other_member):
    orders = set()
    for _ in range(6):
        QuestionFactory(kind="single", option_d="丁", option_e="戊", option_f="己")
    for who in (member, other_member):
        attempt = services.start_attempt(final, who)
        again = services.start_attempt(final, who)
        assert again.pk == attempt.pk  # reloading resumes the same attempt
        for answer in attempt.answers.all():
            stored = AttemptAnswer.objects.get(pk=answer.pk)
            assert stored.options == answer.options
            if answer.kind != "judge":
                orders.add(tuple(letter for letter, _ in answer.options))
    assert len(orders) > 1


def test_one_open_attempt_is_a_database_constraint(quiz, member):
    services.start_attempt(quiz, member)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttemptFactory(exam=quiz, member=member, number=2)


def test_save_answer_refuses_tampering_with_chinese_messages(
    quiz, member, other_member
):
    attempt = services.start_attempt(quiz, member)
    single = attempt.answers.filter(kind="single").first()
    cases = [
        ({"position": 99, "response": ["A"]}, "这道题不在您的试卷中"),
        ({"position": single.position, "response": ["Z"]}, "选项不属于这道题"),
        ({"position": single.position, "response": ["A", "B"]}, "只能选一个答案"),
        ({"position": single.position, "response": {"x": 1}}, "答案格式不正确"),
    ]
    for kwargs, message in cases:
        with pytest.raises(services.ExamError, match=message):
            services.save_answer(attempt, member=member, **kwargs)
    with pytest.raises(services.ExamError, match="这份答卷不属于您"):
        services.save_answer(
            attempt, member=other_member, position=single.position, response=["A"]
        )
    assert not attempt.answers.filter(saved_at__isnull=False).exists()


def test_answers_after_the_deadline_are_refused_and_not_counted(quiz, member):
    attempt = services.start_attempt(quiz, member)
    right = answer_all(attempt)
    first, *rest = sorted(right)
    services.save_answer(attempt, member=member, position=first, response=right[first])
    late = attempt.deadline + datetime.timedelta(seconds=30)
    with pytest.raises(services.ExamError, match="答题时间已到"):
        services.save_answer(
            attempt, member=member, position=rest[0], response=right[rest[0]], now=late
        )
    result = services.submit_attempt(attempt, member=member, responses=right, now=late)
    assert result.attempt.timed_out
    assert result.attempt.correct_count == 1
    assert result.attempt.score == 25
    assert result.ignored == len(right)


def test_double_submission_changes_nothing(quiz, member):
    attempt = services.start_attempt(quiz, member)
    first = services.submit_attempt(
        attempt, member=member, responses=answer_all(attempt)
    )
    assert first.attempt.score == 100 and first.attempt.passed and not first.already
    second = services.submit_attempt(
        attempt, member=member, responses=answer_all(attempt, right=False)
    )
    assert second.already
    attempt.refresh_from_db()
    assert attempt.score == 100
    with pytest.raises(services.ExamError, match="已交卷"):
        services.save_answer(attempt, member=member, position=1, response=["A"])


def test_another_members_submission_is_refused(quiz, member, other_member):
    attempt = services.start_attempt(quiz, member)
    with pytest.raises(services.ExamError, match="这份答卷不属于您"):
        services.submit_attempt(attempt, member=other_member, responses={})
    attempt.refresh_from_db()
    assert attempt.is_open and attempt.score is None


def test_overdue_attempt_is_graded_from_what_was_saved(quiz, member):
    attempt = services.start_attempt(quiz, member)
    right = answer_all(attempt)
    for position in list(right)[:2]:
        services.save_answer(
            attempt, member=member, position=position, response=right[position]
        )
    later = attempt.deadline + datetime.timedelta(minutes=5)
    assert services.finish_if_overdue(attempt, now=later)
    assert (
        attempt.score == 50
        and attempt.timed_out
        and attempt.submitted_at == attempt.deadline
    )
    # The next start opens a fresh attempt rather than resuming the stale one.
    fresh = services.start_attempt(quiz, member, now=later)
    assert fresh.number == 2


def test_attempts_are_limited(quiz, member):
    for _ in range(quiz.max_attempts):
        attempt = services.start_attempt(quiz, member)
        services.submit_attempt(attempt, member=member, responses={})
    with pytest.raises(services.ExamError, match="最多可答 3 次"):
        services.start_attempt(quiz, member)


def test_inactive_exam_cannot_be_started(quiz, member):
    quiz.is_active = False
    quiz.save()
    with pytest.raises(services.ExamError, match="暂未开放"):
        services.start_attempt(quiz, member)


def _watch_all(member, course):
    now = timezone.now()
    for lesson in course.lessons:
        LessonProgress.objects.create(
            member=member, lesson=lesson, course=course, watched_seconds=100,
            completed_at=now,
        )  # fmt: skip


def test_course_with_a_final_completes_only_after_a_pass(final, member):
    from school.services import complete_course_if_done

    course = final.course
    _watch_all(member, course)
    assert not complete_course_if_done(member.pk, course.pk, timezone.now())
    attempt = services.start_attempt(final, member)
    services.submit_attempt(
        attempt, member=member, responses=answer_all(attempt, right=False)
    )
    assert not CourseCompletion.objects.filter(member=member).exists()
    attempt = services.start_attempt(final, member)
    services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    completion = CourseCompletion.objects.get(member=member, course=course)
    assert completion.credit_hours == 2


def test_passing_first_then_watching_completes_the_course(final, member):
    from school.services import complete_course_if_done

    attempt = services.start_attempt(final, member)
    services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    assert not CourseCompletion.objects.filter(member=member).exists()
    _watch_all(member, final.course)
    assert complete_course_if_done(member.pk, final.course.pk, timezone.now())


def test_course_without_an_active_final_keeps_the_watching_rule(final, member):
    from school.services import complete_course_if_done

    final.is_active = False
    final.save()
    _watch_all(member, final.course)
    assert complete_course_if_done(member.pk, final.course.pk, timezone.now())
