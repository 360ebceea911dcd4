"""The demo vote: closed, confirmed, the tally from its ballots; loading twice adds
nothing."""

import pytest

from elections import demo
from elections.models import Ballot, Election
from members import demo as members_demo

pytestmark = pytest.mark.django_db


def test_demo_vote_is_confirmed_with_its_tally():
    members_demo.load()
    demo.load()
    demo.load()
    election = Election.objects.get(title=demo.TITLE)
    assert election.status == "signed" and election.phase() == "signed"
    assert Ballot.objects.count() == len(demo.BALLOTS) == election.result["cast"]
    votes = {r["name"]: (r["votes"], r["elected"]) for r in election.result["rows"]}
    # 7 ballots: more than half is 4 votes.
    assert votes == {
        "马德胜": (5, True),
        "罗春燕": (5, True),
        "高建军": (5, True),
        "唐桂芳": (3, False),
    }
    assert election.result["blank"] == 1 and election.result["quorum_met"]
