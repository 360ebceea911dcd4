"""Shared fixtures of the survey tests: an organisation tree and a four-question survey."""

import pytest
from django.http import QueryDict

from tests.members.factories import OrganizationFactory


@pytest.fixture
def tree(db):
    committee = OrganizationFactory(name="测试党委", code="S")
    a = OrganizationFactory(parent=committee, name="甲党支部", code="S-A")
    b = OrganizationFactory(parent=committee, name="乙党支部", code="S-B")
    return {"committee": committee, "a": a, "b": b}


def form(survey, single="0", multiple=("0", "2"), rating="4", text=""):
    q = list(survey.questions.all())
    data = QueryDict(mutable=True)
    data[f"q{q[0].pk}"] = single
    data.setlist(f"q{q[1].pk}", list(multiple))
    data[f"q{q[2].pk}"] = rating
    data[f"q{q[3].pk}"] = text
    return data
