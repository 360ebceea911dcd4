"""Hostile parameters never get a 5xx, as anonymous and as each role (issue 12,
point 6; tests/home/walker.py says how the walk works).

Our admin views get hostile values from every role (each sees its own scope: a
信箱办理人 its mailboxes, a 组织管理员 its branch); our public views get every hostile
value as anonymous, the role set as a 党员 (staff take the member's path there), and
are probed as everyone; Wagtail's views are opened once per view by each identity
(test_malformed_input.py sends them the hostile values as the superuser).

The identities are walked in two files of about equal length, so that the two test
workers share them (test_malformed_input_staff.py walks the other half).
"""

import pytest

from members.roles import LEADER, MEMBER, SITE_ADMIN

from .walker import assert_no_server_errors, role_plan, walk

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

IDENTITIES = ["匿名访客", MEMBER, SITE_ADMIN, LEADER]


def test_no_role_gets_a_server_error(world):
    walker = walk(world, IDENTITIES, role_plan())
    assert_no_server_errors(walker)
