"""Counting rules (elections.tally): quorum, more than half, seats, ties, blanks."""

from elections.tally import count, more_than

CANDIDATES = [(1, "王磊"), (2, "赵雪"), (3, "李强")]


def run(ballots, *, eligible=10, seats=2, quorum=50, elect=50):
    return count(
        eligible=eligible,
        seats=seats,
        quorum_percent=quorum,
        elect_percent=elect,
        candidates=CANDIDATES,
        ballots=[(ids, names, blank, False) for ids, names, blank in ballots],
    )


def test_more_than_is_strict():
    assert more_than(10, 50) == 6
    assert more_than(9, 50) == 5
    assert more_than(3, 50) == 2
    assert more_than(0, 50) == 1


def test_more_than_half_of_the_ballots_cast_is_elected():
    ballots = [([1, 2], [], False)] * 4 + [([1, 3], [], False)] * 2
    tally = run(ballots)
    assert tally.cast == 6 and tally.quorum_met and tally.votes_needed == 4
    assert [(r.name, r.votes, r.elected) for r in tally.rows] == [
        ("王磊", 6, True),
        ("赵雪", 4, True),
        ("李强", 2, False),
    ]


def test_blank_ballots_count_as_cast_and_can_stop_a_majority():
    ballots = [([1], [], False)] * 3 + [([], [], True)] * 3
    tally = run(ballots)
    assert tally.blank == 3 and tally.votes_needed == 4
    assert not any(r.elected for r in tally.rows)


def test_without_quorum_nobody_is_elected():
    tally = run([([1, 2], [], False)] * 5)
    assert not tally.quorum_met and tally.quorum_needed == 6
    assert not tally.elected


def test_a_tie_for_the_last_seat_is_reported_and_not_decided():
    ballots = (
        [([1, 2], [], False)] * 3 + [([1, 3], [], False)] * 3 + [([2, 3], [], False)]
    )
    tally = run(ballots, seats=2, eligible=8)
    assert tally.votes_needed == 4
    assert [r.name for r in tally.elected] == ["王磊"]
    assert tally.tie and {r.name for r in tally.rows if r.tied} == {"赵雪", "李强"}


def test_write_ins_are_counted_by_name():
    ballots = [([1], ["周平"], False)] * 4 + [([2], [], False)]
    tally = run(ballots, eligible=5)
    assert ("周平", 4, True) in [(r.name, r.votes, r.elected) for r in tally.rows]
