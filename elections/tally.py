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
    paper: int = 0  # of the ballots cast, those counted on paper
    present: int = 0  # voters present (online ballots plus paper voters present)

    @property
    def elected(self) -> list[Row]:
        return [row for row in self.rows if row.elected]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class PaperTotals:
    """Paper ballots counted at the meeting: voters present who took one, ballots
    collected (blank and invalid included), and votes per candidate id / name."""

    present: int = 0
    collected: int = 0
    blank: int = 0
    invalid: int = 0
    votes: dict[int, int] = field(default_factory=dict)
    write_ins: dict[str, int] = field(default_factory=dict)


def check_paper(paper: PaperTotals, *, seats: int) -> list[str]:
    """What is wrong with paper totals (Chinese), [] when they add up: no more ballots
    collected than voters present, blank and invalid within the collected, no name
    with more votes than valid ballots, no more votes than seats on valid ballots."""
    errors = []
    if paper.collected > paper.present:
        errors.append(
            f"收回选票 {paper.collected} 张，多于到会人数 {paper.present} 人，"
            "请核对（收回的选票多于发出的选票，本次投票无效）。"
        )
    if paper.blank + paper.invalid > paper.collected:
        errors.append("空白票与废票之和不能多于收回的选票。")
    marked = paper.collected - paper.blank - paper.invalid
    counts = list(paper.votes.values()) + list(paper.write_ins.values())
    if any(n < 0 for n in counts):
        errors.append("得票数不能为负数。")
    elif any(n > marked for n in counts):
        errors.append(f"有人的得票多于有效选票（{marked} 张，不含空白票），请核对。")
    elif sum(counts) > marked * seats:
        errors.append(
            f"得票总数 {sum(counts)} 多于有效选票 {marked} 张 × 应选 {seats} 人，请核对。"
        )
    elif marked > 0 and sum(counts) == 0:
        errors.append("有效选票上没有任何得票，请填写各候选人的得票数。")
    return errors


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
    paper: PaperTotals | None = None,
) -> Tally:
    """Count (candidate ids, write-ins, blank, invalid) ballots, plus the totals of
    paper ballots counted at the meeting.

    The vote counts when more than quorum_percent % of the eligible are present
    (voted online, or came to vote on paper); a name is elected with more than
    elect_percent % of the ballots cast (blank and invalid ones included), best first
    up to the number of seats. When names with equal votes straddle the last seat,
    none of them is elected and the tie is reported."""
    paper = paper or PaperTotals()
    cast = len(ballots) + paper.collected
    blank = sum(1 for b in ballots if b[2] and not b[3]) + paper.blank
    invalid = sum(1 for b in ballots if b[3]) + paper.invalid
    by_candidate: Counter[int] = Counter()
    by_name: Counter[str] = Counter()
    for ids, names, is_blank, is_invalid in ballots:
        if is_blank or is_invalid:
            continue
        by_candidate.update(set(ids))
        by_name.update(set(names))
    by_candidate.update(paper.votes)
    by_name.update(paper.write_ins)
    present = len(ballots) + paper.present
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
        quorum_met=present >= quorum_needed,
        votes_needed=votes_needed,
        seats=seats,
        rows=rows,
        paper=paper.collected,
        present=present,
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
