"""Factories for exams: question categories, questions, exams, draw rules, attempts.

question = QuestionFactory(kind="multiple")        # valid defaults for each kind
exam = ExamFactory(lesson=lesson)                  # a quiz (the model's limits)
contest = ExamFactory(contest=True, organization=committee, audience=[a, b])
ExamRuleFactory(exam=exam, kind="single", count=2)
attempt = AttemptFactory(exam=exam, member=member) # an open attempt row, no answers

An attempt with its drawn questions comes from exams.services.start_attempt.
"""

import datetime

import factory
from django.utils import timezone

from exams.models import Attempt, Exam, ExamRule, Question, QuestionCategory
from tests.members.factories import MemberFactory

OPTIONS = {"single": "甲乙丙", "multiple": "甲乙丙丁", "judge": "", "fill": ""}
ANSWERS = {"single": "B", "multiple": "AC", "judge": "A", "fill": "十八|党员/共产党员"}


def _option(letter: int):
    """Option a..d of the kind's defaults (甲, 乙, 丙, 丁), blank beyond them."""
    return factory.LazyAttribute(
        lambda q: OPTIONS[q.kind][letter] if letter < len(OPTIONS[q.kind]) else ""
    )


class QuestionCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"题库分类{n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    """A valid question of its kind (单选 by default), explained 依据党章."""

    class Meta:
        model = Question

    kind = "single"
    stem = factory.LazyAttributeSequence(lambda q, n: f"第 {n} 题（{q.kind}）")
    option_a = _option(0)
    option_b = _option(1)
    option_c = _option(2)
    option_d = _option(3)
    answer = factory.LazyAttribute(lambda q: ANSWERS[q.kind])
    explanation = "依据党章。"
    category = None


class ExamFactory(factory.django.DjangoModelFactory):
    """A quiz by default (give lesson=), kind=FINAL with course=, or contest=True:
    a 知识竞赛 running from an hour ago to an hour from now (give organization=).
    Time limit, attempts and pass mark are the model's defaults; audience= takes
    the organisations a contest is for."""

    class Meta:
        model = Exam
        skip_postgeneration_save = True

    class Params:
        contest = factory.Trait(
            kind=Exam.Kind.CONTEST,
            starts_at=factory.LazyFunction(
                lambda: timezone.now() - datetime.timedelta(hours=1)
            ),
            ends_at=factory.LazyFunction(
                lambda: timezone.now() + datetime.timedelta(hours=1)
            ),
        )

    title = factory.Sequence(lambda n: f"测验{n}")
    kind = Exam.Kind.QUIZ

    @factory.post_generation
    def audience(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.audience.set(extracted)


class ExamRuleFactory(factory.django.DjangoModelFactory):
    """Draw count questions (of kind=, if given) for the exam."""

    class Meta:
        model = ExamRule

    exam = factory.SubFactory(ExamFactory)
    count = 5


class AttemptFactory(factory.django.DjangoModelFactory):
    """An open first attempt with half an hour to go."""

    class Meta:
        model = Attempt

    exam = factory.SubFactory(ExamFactory)
    member = factory.SubFactory(MemberFactory)
    number = 1
    deadline = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(minutes=30)
    )
