"""Hostile parameters never get a 5xx, as each staff role of the other half
(test_malformed_input_roles.py says what each identity is sent and walks the rest).
"""

import pytest

from members.roles import MAILBOX_HANDLER, PUBLICIST, REVIEWER, SCHOOL_ADMIN

from .hostile_world import IDENTITIES
from .test_malformed_input_roles import IDENTITIES as FIRST_HALF
from .walker import assert_no_server_errors, role_plan, walk

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

IDENTITIES_HERE = [PUBLICIST, REVIEWER, SCHOOL_ADMIN, MAILBOX_HANDLER, "组织管理员"]


def test_every_identity_but_the_superuser_is_walked_once():
    walked = FIRST_HALF + IDENTITIES_HERE
    assert sorted(walked) == sorted(set(IDENTITIES) - {"超级管理员"})


def test_no_staff_role_gets_a_server_error(world):
    walker = walk(world, IDENTITIES_HERE, role_plan())
    assert_no_server_errors(walker)
