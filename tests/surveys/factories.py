"""Factories for 问卷调查: surveys with the four standard questions.

survey = SurveyFactory(owner=committee)            # open, anonymous, for members
survey = SurveyFactory(owner=branch, audience="public", questions=False)

The standard questions (单选 形式, 多选 希望的内容, 评分 总体评分, optional 文字 建议)
are what tests/surveys/conftest.py's form() fills in.
"""

import datetime

import factory
from django.utils import timezone

from surveys.models import Question, Survey
from tests.members.factories import OrganizationFactory

STANDARD_QUESTIONS = [
    {"kind": "single", "text": "形式", "options": "很好\n一般\n较差"},
    {
        "kind": "multiple",
        "text": "希望的内容",
        "options": "理论学习\n志愿服务\n参观教育基地",
    },
    {"kind": "rating", "text": "总体评分"},
    {"kind": "text", "text": "建议", "required": False},
]


class SurveyFactory(factory.django.DjangoModelFactory):
    """A published anonymous members' survey open for three more days."""

    class Meta:
        model = Survey
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"满意度调查{n}")
    owner = factory.SubFactory(OrganizationFactory)
    audience = "members"
    anonymous = True
    opens_at = factory.LazyFunction(
        lambda: timezone.now() - datetime.timedelta(hours=1)
    )
    closes_at = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(days=3)
    )
    is_published = True

    @factory.post_generation
    def questions(obj, create, extracted, **kwargs):
        """The standard four unless questions=False."""
        if create and extracted is not False:
            for order, fields in enumerate(STANDARD_QUESTIONS):
                Question.objects.create(survey=obj, sort_order=order, **fields)
