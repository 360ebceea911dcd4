"""A branch with members, a vote of the branch with three candidates, its staff."""

import pytest
from django.http import QueryDict

from elections import services
from members.roles import PUBLICIST
from tests.elections.factories import ElectionFactory
from tests.members.factories import (
    MemberFactory,
    OrganizationFactory,
    make_org_tree,
    make_staff_user,
)


@pytest.fixture
def tree(db):
    return make_org_tree("E")


@pytest.fixture
def voters(tree):
    group = OrganizationFactory(parent=tree["a"], name="甲一党小组", code="E-A-1")
    return [MemberFactory(organization=tree["a"]) for _ in range(3)] + [
        MemberFactory(organization=group) for _ in range(2)
    ]


@pytest.fixture
def staff_a(tree):
    return make_staff_user(PUBLICIST, scope=tree["a"], username="zz_a")


@pytest.fixture
def election(tree, voters, staff_a):
    return services.open_election(
        ElectionFactory(organization=tree["a"], title="甲党支部委员会换届选举"),
        by=staff_a,
    )


def ballot(election, *names, write_ins=(), blank=False):
    ids = {c.name: c.pk for c in election.candidates.all()}
    data = QueryDict(mutable=True)
    data.setlist("candidate", [str(ids[n]) for n in names])
    data.setlist("write_in", list(write_ins))
    if blank:
        data["blank"] = "1"
    return data
