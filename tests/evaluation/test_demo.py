"""The demo rounds: one closed with confirmed outcomes other apps can read, one
open for the demo member; loading twice adds nothing."""

import pytest

from evaluation import demo
from evaluation.models import Rating, Round, Status
from evaluation.outcomes import confirmed_outcomes
from members import demo as members_demo
from members.models import Member

pytestmark = pytest.mark.django_db


def test_demo_rounds():
    members_demo.load()
    demo.load()
    demo.load()
    assert Round.objects.count() == 2
    closed = Round.objects.get(title=demo.CLOSED_TITLE)
    assert closed.status == Status.CLOSED
    size = closed.participants.count()
    assert Rating.objects.filter(round=closed).count() == size * (size - 1)
    outcomes = confirmed_outcomes(2025)
    assert len(outcomes) == size
    assert outcomes[Member.objects.get(real_name="马德胜").pk] == "excellent"
    assert outcomes[Member.objects.get(real_name="宋宇航").pk] == "basic"
    # Decided after the window, not on the day the demo was loaded.
    assert closed.outcomes.first().decided_at > closed.closes_at
    assert closed.closed_at.year == 2026 and closed.closed_at.month == 1
    current = Round.objects.get(title=demo.OPEN_TITLE)
    assert current.phase() == "rating"
    sun = Member.objects.get(user__username="dangyuan")
    assert current.participants.filter(member=sun).exists()
