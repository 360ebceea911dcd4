"""Every admin list of 网上考核, 民主评议, 投票计票, 网上调查 and 网上公示 (issue 16), per
role: a role with no business there gets 403 (a 党员 has no admin at all and is sent
to log in), never an empty list; the roles that run them get the list."""

import pytest
from django.urls import reverse

from members.roles import (
    LEADER,
    MAILBOX_HANDLER,
    MEMBER,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
)
from tests.members.factories import OrganizationFactory, make_staff_user

pytestmark = pytest.mark.django_db

LISTS = {
    "assessment": ["assessment_admin:index", "assessment_history"],
    "evaluation": ["evaluation_admin:index"],
    "elections": ["elections_admin:index"],
    "surveys": ["surveys_admin:index"],
    "notices": ["notices_feedback:index", "notices_statistics"],
}
ALL = [(app, name) for app, names in LISTS.items() for name in names]


@pytest.fixture
def tree(db):
    committee = OrganizationFactory(name="测试党委")
    general = OrganizationFactory(
        parent=committee, name="制造党总支", kind="general_branch"
    )
    branch = OrganizationFactory(parent=general, name="甲党支部")
    return {"committee": committee, "general": general, "branch": branch}


@pytest.mark.parametrize(("app", "name"), ALL)
@pytest.mark.parametrize("role", [SCHOOL_ADMIN, MAILBOX_HANDLER])
def test_roles_without_the_rights_get_403(client, tree, app, name, role):
    client.force_login(make_staff_user(role, scope=tree["general"]))
    response = client.get(reverse(name))
    assert response.status_code == 403, (role, name)
    assert "无权访问" in response.content.decode()


@pytest.mark.parametrize(("app", "name"), ALL)
def test_staff_without_a_scope_get_403(client, tree, app, name):
    client.force_login(make_staff_user(PUBLICIST, scope=None))
    assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.parametrize(("app", "name"), ALL)
def test_a_member_is_sent_to_log_in(client, tree, app, name):
    client.force_login(make_staff_user(MEMBER, scope=None))
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# Which apps each role runs (members.roles and each app's permissions).
RUNS = {
    PUBLICIST: set(LISTS),
    LEADER: {"assessment"},  # 领导 assess; rounds, votes, surveys and feedback not
    REVIEWER: {"notices"},  # 审核员 answer 公示 feedback; nothing else here
}


@pytest.mark.parametrize(("app", "name"), ALL)
@pytest.mark.parametrize("role", list(RUNS))
def test_scoped_staff_get_the_lists_of_what_they_run_only(
    client, tree, app, name, role
):
    client.force_login(make_staff_user(role, scope=tree["general"]))
    response = client.get(reverse(name))
    expected = 200 if app in RUNS[role] else 403
    assert response.status_code == expected, (role, name)


@pytest.mark.parametrize("name", LISTS["assessment"])
def test_branch_staff_nobody_assesses_get_403_on_assessment(client, tree, name):
    """A 党支部 without 党小组 has nothing to assess and no plan concerns it."""
    client.force_login(make_staff_user(PUBLICIST, scope=tree["branch"]))
    assert client.get(reverse(name)).status_code == 403
