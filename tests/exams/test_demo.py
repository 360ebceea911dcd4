"""The demo bank loads cleanly, twice, and gives the demo course its two exams."""

import pytest

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
