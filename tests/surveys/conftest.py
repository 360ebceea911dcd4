"""Shared fixtures of the survey tests: an organisation tree and a four-question survey."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from surveys.models import Question, Survey
from tests.members.factories import OrganizationFactory


@pytest.fixture
def tree(db):
    committee = OrganizationFactory(name="测试党委", code="S")
    a = OrganizationFactory(parent=committee, name="甲党支部", code="S-A")
    b = OrganizationFactory(parent=committee, name="乙党支部", code="S-B")
    return {"committee": committee, "a": a, "b": b}


def make_survey(tree, **fields):
    now = timezone.now()
    values = {
        "title": "主题党日活动满意度调查",
        "owner": tree["committee"],
        "audience": "members",
        "anonymous": True,
        "opens_at": now - datetime.timedelta(hours=1),
        "closes_at": now + datetime.timedelta(days=3),
        "is_published": True,
    }
    values.update(fields)
    survey = Survey.objects.create(**values)
    Question.objects.create(
        survey=survey,
        sort_order=0,
        kind="single",
        text="形式",
        options="很好\n一般\n较差",
    )
    Question.objects.create(
        survey=survey,
        sort_order=1,
        kind="multiple",
        text="希望的内容",
        options="理论学习\n志愿服务\n参观教育基地",
    )
    Question.objects.create(survey=survey, sort_order=2, kind="rating", text="总体评分")
    Question.objects.create(
        survey=survey, sort_order=3, kind="text", text="建议", required=False
    )
    return survey


def form(survey, single="0", multiple=("0", "2"), rating="4", text=""):
    q = list(survey.questions.all())
    data = QueryDict(mutable=True)
    data[f"q{q[0].pk}"] = single
    data.setlist(f"q{q[1].pk}", list(multiple))
    data[f"q{q[2].pk}"] = rating
    data[f"q{q[3].pk}"] = text
    return data
