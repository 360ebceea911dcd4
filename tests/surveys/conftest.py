"""Shared fixtures of the survey tests: an organisation tree and a four-question survey."""

import pytest
from django.http import QueryDict

from tests.members.factories import make_org_tree


@pytest.fixture
def tree(db):
    return make_org_tree("S")


def form(survey, single="0", multiple=("0", "2"), rating="4", text=""):
    q = list(survey.questions.all())
    data = QueryDict(mutable=True)
    data[f"q{q[0].pk}"] = single
    data.setlist(f"q{q[1].pk}", list(multiple))
    data[f"q{q[2].pk}"] = rating
    data[f"q{q[3].pk}"] = text
    return data
