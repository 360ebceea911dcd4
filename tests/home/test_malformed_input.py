"""Hostile parameters never get a 5xx, on any URL (issue 12, point 6): the walk as
the superuser, who reaches every view (tests/home/walker.py says how it works).

Our views get every hostile value on every URL; Wagtail's views once per view and
set of parameters it reads. On PostgreSQL they get the values that database treats
differently from SQLite (walker.HOSTILE_FOR_POSTGRES; Wagtail's views those that reach
SQL as they are, walker.HOSTILE_FOR_POSTGRES_WAGTAIL). test_malformed_input_roles.py
and test_malformed_input_staff.py walk as everyone else.
"""

import pytest
from django.db import connection

from .walker import (
    HOSTILE,
    HOSTILE_FOR_POSTGRES,
    HOSTILE_FOR_POSTGRES_WAGTAIL,
    HOSTILE_FOR_WAGTAIL,
    Visit,
    assert_no_server_errors,
    targets,
    walk,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_every_url_pattern_is_reversed(world):
    found, missing = targets(world)
    assert not missing, "\n".join(missing)
    assert len(found) > 300


def test_superuser_gets_no_server_error_anywhere(world):
    ours, wagtails = Visit(HOSTILE), Visit(HOSTILE_FOR_WAGTAIL)
    if connection.vendor == "postgresql":
        ours = Visit(HOSTILE_FOR_POSTGRES)
        wagtails = Visit(HOSTILE_FOR_POSTGRES_WAGTAIL)
    walker = walk(world, ["超级管理员"], lambda who, t: ours if t.ours else wagtails)
    assert_no_server_errors(walker)
