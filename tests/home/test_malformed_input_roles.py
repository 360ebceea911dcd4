"""Hostile parameters never get a 5xx, as anonymous and as each role (issue 12,
point 6; tests/home/walker.py says how the walk works).

Our admin views get hostile values from every role (each sees its own scope: a
信箱办理人 its mailboxes, a 组织管理员 its branch); our public views get every hostile
value as anonymous, the role set as a 党员 (staff take the member's path there), and
are probed as everyone; Wagtail's views are opened once per view by each identity
(test_malformed_input.py sends them the hostile values as the superuser).
"""

import pytest

from members.roles import MEMBER

from .hostile_world import IDENTITIES
from .walker import (
    HOSTILE,
    HOSTILE_FOR_ROLES,
    Visit,
    assert_no_server_errors,
    walk,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_no_role_gets_a_server_error(world):
    probed: set = set()

    def plan(who, target):
        if target.ours and target.url.startswith("/admin/"):
            return Visit(HOSTILE_FOR_ROLES)
        if target.ours:
            return {"匿名访客": Visit(HOSTILE), MEMBER: Visit(HOSTILE_FOR_ROLES)}.get(
                who, Visit()
            )
        if (who, target.view) in probed:
            return None
        probed.add((who, target.view))
        return Visit(post=False)

    walker = walk(world, [w for w in IDENTITIES if w != "超级管理员"], plan)
    assert_no_server_errors(walker)
