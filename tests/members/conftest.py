"""Shared by the members tests: a small tree (one 党委, a 党总支, branches A and B)
and two plain accounts."""

import pytest

from .factories import MemberFactory, OrganizationFactory, UserFactory, make_staff_user


@pytest.fixture
def tree(db):
    committee = OrganizationFactory(name="中共测试集团委员会", code="T")
    general = OrganizationFactory(
        parent=committee, name="测试党总支", code="T-G", kind="general_branch"
    )
    branch_a = OrganizationFactory(parent=general, name="甲党支部", code="T-A")
    group_a = OrganizationFactory(
        parent=branch_a, name="甲一党小组", code="T-A-1", kind="group"
    )
    branch_b = OrganizationFactory(parent=general, name="乙党支部", code="T-B")
    return {
        "committee": committee,
        "general": general,
        "a": branch_a,
        "a1": group_a,
        "b": branch_b,
    }


@pytest.fixture
def member_a(tree):
    return MemberFactory(
        organization=tree["a"], real_name="甲支部党员", phone="13811112222"
    )


@pytest.fixture
def member_a1(tree):
    return MemberFactory(organization=tree["a1"], real_name="甲小组党员")


@pytest.fixture
def member_b(tree):
    return MemberFactory(
        organization=tree["b"], real_name="乙支部党员", phone="13933334444"
    )


@pytest.fixture
def publicist_a(tree):
    """A 宣传员 who is 组织管理员 of branch A."""
    return make_staff_user("宣传员", scope=tree["a"], username="xc_a")


@pytest.fixture
def member_user(db):
    """A plain account (no member profile, no role), signing in as zhangsan."""
    return UserFactory(username="zhangsan")


@pytest.fixture
def staff_user(db):
    """An account that may enter the admin and do nothing else there."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username="bianji")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user
