"""Counting ballots: pure rules, no Django (fast unit tests)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    name: str
    votes: int
    candidate_id: int | None = None  # None for a written-in name
    elected: bool = False
    tied: bool = False


@dataclass
class Tally:
    eligible: int
    cast: int
    blank: int
    invalid: int
    quorum_needed: int  # ballots needed for the vote to count ("more than")
    quorum_met: bool
    votes_needed: int  # votes needed to be elected ("more than")
    seats: int
    rows: list[Row] = field(default_factory=list)
    tie: bool = False

    @property
    def elected(self) -> list[Row]:
        return [row for row in self.rows if row.elected]

    def as_dict(self) -> dict:
        return asdict(self)


def more_than(total: int, percent: int) -> int:
    """The least whole number strictly greater than percent % of total."""
    return total * percent // 100 + 1


def count(
    *,
    eligible: int,
    seats: int,
    quorum_percent: int,
    elect_percent: int,
    candidates: list[tuple[int, str]],
    ballots: list[tuple[list[int], list[str], bool, bool]],
) -> Tally:
    """Count (candidate ids, write-ins, blank, invalid) ballots.

    The vote counts when more than quorum_percent % of the eligible voted; a name is
    elected with more than elect_percent % of the ballots cast (blank and invalid
    ones included), best first up to the number of seats. When names with equal
    votes straddle the last seat, none of them is elected and the tie is reported."""
    cast = len(ballots)
    blank = sum(1 for b in ballots if b[2] and not b[3])
    invalid = sum(1 for b in ballots if b[3])
    by_candidate: Counter[int] = Counter()
    by_name: Counter[str] = Counter()
    for ids, names, is_blank, is_invalid in ballots:
        if is_blank or is_invalid:
            continue
        by_candidate.update(set(ids))
        by_name.update(set(names))
    rows = [Row(name, by_candidate[pk], pk) for pk, name in candidates]
    rows += [Row(name, votes) for name, votes in by_name.items()]
    rows.sort(key=lambda r: (-r.votes, r.candidate_id is None, r.name))
    quorum_needed = more_than(eligible, quorum_percent)
    votes_needed = more_than(cast, elect_percent)
    tally = Tally(
        eligible=eligible,
        cast=cast,
        blank=blank,
        invalid=invalid,
        quorum_needed=quorum_needed,
        quorum_met=cast >= quorum_needed,
        votes_needed=votes_needed,
        seats=seats,
        rows=rows,
    )
    if not tally.quorum_met:
        return tally
    passing = [row for row in rows if row.votes >= votes_needed]
    if len(passing) > seats:
        cutoff = passing[seats - 1].votes
        if passing[seats].votes == cutoff:
            tally.tie = True
            for row in passing:
                if row.votes == cutoff:
                    row.tied = True
            passing = [row for row in passing if row.votes > cutoff]
        else:
            passing = passing[:seats]
    for row in passing:
        row.elected = True
    return tally
