"""A 党委 with two branches, a round of branch 甲 with four members, its staff."""

import pytest

from evaluation import services
from members.roles import PUBLICIST
from tests.evaluation.factories import RoundFactory
from tests.members.factories import (
    MemberFactory,
    OrganizationFactory,
    make_org_tree,
    make_staff_user,
)


@pytest.fixture
def tree(db):
    return make_org_tree("V")


@pytest.fixture
def members(tree):
    group = OrganizationFactory(
        parent=tree["a"], name="甲一党小组", code="V-A-1", kind="group"
    )
    names = ["王磊", "赵雪", "李强"]
    return [MemberFactory(organization=tree["a"], real_name=name) for name in names] + [
        MemberFactory(organization=group, real_name="孙芳")
    ]


@pytest.fixture
def outsider(tree):
    return MemberFactory(organization=tree["b"], real_name="周洋")


@pytest.fixture
def staff_a(tree):
    return make_staff_user(PUBLICIST, scope=tree["a"], username="vv_a")


@pytest.fixture
def staff_b(tree):
    return make_staff_user(PUBLICIST, scope=tree["b"], username="vv_b")


@pytest.fixture
def staff_committee(tree):
    return make_staff_user(PUBLICIST, scope=tree["committee"], username="vv_top")


@pytest.fixture
def round(tree, members, staff_a):
    return services.open_round(
        RoundFactory(organization=tree["a"], title="甲党支部2026年度民主评议党员"),
        by=staff_a,
    )


def end_now(round, by):
    """End the rating window and return the fresh round."""
    services.end_rating(round, by=by)
    round.refresh_from_db()
    return round
