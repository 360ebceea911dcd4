"""Exam fixtures: a small bank, a course with two lessons, a quiz and a final exam."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from exams import services
from exams.models import Exam
from members.roles import MEMBER
from tests.exams.factories import (
    ExamFactory,
    ExamRuleFactory,
    QuestionCategoryFactory,
    QuestionFactory,
)
from tests.members.factories import MemberFactory, OrganizationFactory
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    SchoolIndexPageFactory,
)


@pytest.fixture
def category(db):
    return QuestionCategoryFactory(name="党章")


@pytest.fixture
def bank(category):
    """Two questions of each kind, all in 党章."""
    return [
        QuestionFactory(kind=kind, category=category)
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
def contest(bank, tree):
    """A contest of 集团党委 for both of its branches, two tries each."""
    committee, first, second = tree
    exam = ExamFactory(
        contest=True,
        title="党章党规知识竞赛",
        organization=committee,
        audience=[first, second],
        time_limit_minutes=10,
        max_attempts=2,
    )
    ExamRuleFactory(exam=exam, count=4)
    return exam


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
    course = CoursePageFactory(
        parent=SchoolIndexPageFactory(parent=home_page),
        title="党章学习",
        slug="dangzhang",
        credit_hours=2,
    )
    for number in (1, 2):
        LessonPageFactory(parent=course, title=f"第{number}讲", slug=f"l{number}")
    return course


@pytest.fixture
def quiz(course, bank):
    lesson = course.lessons[0]
    exam = ExamFactory(title="第一讲随堂测验", lesson=lesson, time_limit_minutes=10)
    ExamRuleFactory(exam=exam, kind="single", count=2)
    ExamRuleFactory(exam=exam, kind="judge", count=2)
    return exam


@pytest.fixture
def final(course, bank):
    exam = ExamFactory(
        title="党章学习结业考试",
        kind=Exam.Kind.FINAL,
        course=course,
        time_limit_minutes=30,
        max_attempts=0,
        pass_score=80,
    )
    ExamRuleFactory(exam=exam, count=8)
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


def take(exam, member, *, right=True, seconds=60, now=None):
    """Start, answer every question right (or wrong) and hand in ``seconds`` later."""
    now = now or timezone.now()
    attempt = services.start_attempt(exam, member, now=now)
    responses = answer_all(attempt, right=right)
    return services.submit_attempt(
        attempt,
        member=member,
        responses=responses,
        now=now + datetime.timedelta(seconds=seconds),
    ).attempt


def client_for(user) -> Client:
    """A test client signed in as user."""
    client = Client()
    client.force_login(user)
    return client
