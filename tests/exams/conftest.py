"""Exam fixtures: a small bank, a course with two lessons, a quiz and a final exam."""

import pytest
from django.contrib.auth.models import Group

from exams.models import Exam, ExamRule, Question, QuestionCategory
from members.roles import MEMBER
from tests.members.factories import MemberFactory, OrganizationFactory
from tests.school.factories import VideoFactory


def make_question(kind="single", stem=None, answer=None, category=None, **fields):
    """A question of the bank; defaults give a valid one of each kind."""
    defaults = {
        "single": {"option_a": "甲", "option_b": "乙", "option_c": "丙", "answer": "B"},
        "multiple": {"option_a": "甲", "option_b": "乙", "option_c": "丙",
                     "option_d": "丁", "answer": "AC"},
        "judge": {"answer": "A"},
        "fill": {"answer": "十八|党员/共产党员"},
    }[kind]  # fmt: skip
    values = {**defaults, **fields}
    if answer is not None:
        values["answer"] = answer
    make_question.counter = getattr(make_question, "counter", 0) + 1
    return Question.objects.create(
        kind=kind,
        stem=stem or f"第 {make_question.counter} 题（{kind}）",
        category=category,
        explanation="依据党章。",
        **values,
    )


@pytest.fixture
def category(db):
    return QuestionCategory.objects.create(name="党章")


@pytest.fixture
def bank(category):
    """Two questions of each kind, all in 党章."""
    return [
        make_question(kind, category=category)
        for kind in ("single", "single", "multiple", "multiple", "judge", "judge",
                     "fill", "fill")
    ]  # fmt: skip


@pytest.fixture
def tree(db):
    committee = OrganizationFactory(name="集团党委")
    first = OrganizationFactory(parent=committee, name="第一党支部")
    second = OrganizationFactory(parent=committee, name="第二党支部")
    return committee, first, second


@pytest.fixture
def member(tree):
    member = MemberFactory(organization=tree[1], real_name="孙明")
    member.user.groups.add(Group.objects.get(name=MEMBER))
    return member


@pytest.fixture
def other_member(tree):
    return MemberFactory(organization=tree[2], real_name="李华")


@pytest.fixture
def course(home_page):
    from school.models import CoursePage, LessonPage, SchoolIndexPage

    index = SchoolIndexPage(title="网上党校", slug="school")
    home_page.add_child(instance=index)
    course = CoursePage(title="党章学习", slug="dangzhang", credit_hours=2)
    index.add_child(instance=course)
    for number in (1, 2):
        lesson = LessonPage(
            title=f"第{number}讲",
            slug=f"l{number}",
            video=VideoFactory(duration=100, title=f"视频{number}"),
        )
        course.add_child(instance=lesson)
    return course


@pytest.fixture
def quiz(course, bank):
    lesson = course.lessons[0]
    exam = Exam.objects.create(
        title="第一讲随堂测验",
        kind=Exam.Kind.QUIZ,
        lesson=lesson,
        time_limit_minutes=10,
        max_attempts=3,
        pass_score=60,
    )
    ExamRule.objects.create(exam=exam, kind="single", count=2)
    ExamRule.objects.create(exam=exam, kind="judge", count=2)
    return exam


@pytest.fixture
def final(course, bank):
    exam = Exam.objects.create(
        title="党章学习结业考试",
        kind=Exam.Kind.FINAL,
        course=course,
        time_limit_minutes=30,
        max_attempts=0,
        pass_score=80,
    )
    ExamRule.objects.create(exam=exam, count=8)
    return exam


def answer_all(attempt, *, right=True):
    """Responses for every question of the attempt: all right, or all wrong."""
    from exams import rules

    responses = {}
    for answer in attempt.answers.all():
        if answer.kind == rules.FILL:
            given = [part.split("/")[0] for part in answer.key.split("|")]
            responses[answer.position] = given if right else ["错"] * len(given)
        elif right:
            responses[answer.position] = list(answer.key)
        else:
            wrong = [letter for letter in answer.letters if letter not in answer.key]
            responses[answer.position] = wrong[:1]
    return responses
