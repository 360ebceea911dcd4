"""Study-time rules: merging watched intervals, heartbeat credit, completion, 学时.

Pure functions with no Django in them, so the rules are cheap to test and reason about.
Time on the server is the only clock trusted: the client's clock may be skewed or
tampered with. Each member has one clock, shared by all their lessons, tabs and
devices: a heartbeat may add at most (server time since the member's previous credited
heartbeat) x the highest playback rate of new video, so whatever is sent, and however
many requests run in parallel, a member is never credited more than the time that
passed x that rate (plus one bounded allowance after a pause).

`school.heartbeats` carries the same admission rule in Lua for the Redis buffer; the
two are tested against the same cases.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

Interval = tuple[float, float]

COMPLETION_RATIO = 0.9
MAX_PLAYBACK_RATE = 2.0
# A heartbeat is due every 10 s; browsers throttle timers of hidden tabs to one a
# minute, so up to 90 s between heartbeats is still continuous watching.
MAX_HEARTBEAT_GAP = 90.0
# The first heartbeat after a pause has no previous one to measure against: it may
# claim this much server time (a heartbeat period and a half).
FIRST_HEARTBEAT_WALL_SECONDS = 15.0
# A heartbeat this soon after the member's previous credited one earns nothing now;
# the player sends its intervals again with the next one.
MIN_HEARTBEAT_INTERVAL = 2.0
# While a lesson plays, other lessons of the member earn nothing for this long after
# its last heartbeat (2.5 heartbeat periods).
ACCRUING_WINDOW = 25.0

DEFAULT_CREDIT_RULES: tuple[tuple[int, Decimal], ...] = (
    (30 * 60, Decimal("1")),
    (15 * 60, Decimal("0.5")),
    (0, Decimal("0.25")),
)


@dataclass(frozen=True)
class ClockRules:
    """How a member's heartbeats are admitted (from the PORTAL_SCHOOL_* settings)."""

    max_rate: float = MAX_PLAYBACK_RATE
    min_interval: float = MIN_HEARTBEAT_INTERVAL
    max_gap: float = MAX_HEARTBEAT_GAP
    first_wall: float = FIRST_HEARTBEAT_WALL_SECONDS
    accruing_window: float = ACCRUING_WINDOW


@dataclass(frozen=True)
class Clock:
    """One member's heartbeat clock (server seconds since the epoch).

    `last_credit` is when their previous credited heartbeat arrived; `lesson` accrues
    time until `until`, and meanwhile the member's other lessons earn nothing.
    """

    last_credit: float | None = None
    lesson: int | None = None
    until: float | None = None


@dataclass(frozen=True)
class Admission:
    """What a heartbeat may earn, and the member's clock after it."""

    budget: float
    accrues: bool
    deferred: bool
    clock: Clock


def wall_seconds(last: float | None, now: float, rules: ClockRules) -> float | None:
    """Server time a heartbeat at `now` may turn into credit; None if it came too soon.

    The first heartbeat ever, or after a pause longer than `max_gap` (or after the
    server's clock stepped back that far), has nothing to measure against and gets
    the bounded `first_wall`.
    """
    if last is None:
        return rules.first_wall
    elapsed = now - last
    if elapsed > rules.max_gap or elapsed < -rules.max_gap:
        return rules.first_wall
    if elapsed < rules.min_interval:
        return None
    return elapsed


def admit_heartbeat(
    clock: Clock,
    *,
    lesson: int,
    now: float,
    claims: bool,
    playing: bool,
    rules: ClockRules,
) -> Admission:
    """Decide a heartbeat against the member's clock.

    - Another lesson is accruing: nothing is earned (the position is still kept), the
      clock stays as it is.
    - No intervals claimed: nothing to earn, the clock's time is not used up.
    - Too soon after the previous credited heartbeat: deferred, nothing earned now.
    - Otherwise the heartbeat may add `wall_seconds x max_rate` seconds of new video
      and the clock moves to `now`: that server time cannot be claimed again by any
      other request of the member.
    """
    if (
        clock.lesson is not None
        and clock.lesson != lesson
        and clock.until is not None
        and clock.until > now
    ):
        return Admission(0.0, False, False, clock)
    if playing:
        accruing, until = lesson, now + rules.accruing_window
    elif clock.lesson == lesson:
        accruing, until = None, None
    else:
        accruing, until = clock.lesson, clock.until
    if not claims:
        return Admission(0.0, True, False, Clock(clock.last_credit, accruing, until))
    wall = wall_seconds(clock.last_credit, now, rules)
    if wall is None:
        return Admission(0.0, True, True, Clock(clock.last_credit, accruing, until))
    return Admission(wall * rules.max_rate, True, False, Clock(now, accruing, until))


@dataclass(frozen=True)
class HeartbeatResult:
    """What one heartbeat changed: the merged intervals and what they are worth."""

    intervals: list[Interval]
    unique_seconds: float
    gained_seconds: float
    completed: bool
    position: float


def clean_intervals(raw: Iterable, duration: float) -> list[Interval]:
    """Parse [start, end] pairs from a client, clipped to the video; drop nonsense."""
    cleaned: list[Interval] = []
    for item in raw or ():
        try:
            start, end = float(item[0]), float(item[1])
        except (TypeError, ValueError, IndexError, KeyError, OverflowError):
            continue
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        start, end = max(0.0, start), min(float(duration), end)
        if end > start:
            cleaned.append((start, end))
    return cleaned


def merge_intervals(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """Sort and join overlapping or touching intervals."""
    ordered = sorted((float(s), float(e)) for s, e in intervals if e > s)
    merged: list[list[float]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(round(s, 2), round(e, 2)) for s, e in merged]


def unique_seconds(intervals: Iterable[Sequence[float]]) -> float:
    """Seconds of video covered at least once."""
    return round(sum(e - s for s, e in merge_intervals(intervals)), 2)


def unwatched_parts(
    claimed: Sequence[Interval], watched: Sequence[Interval]
) -> list[Interval]:
    """The parts of `claimed` not yet watched, in the order they were played.

    A part claimed twice in one heartbeat is kept once, so a replayed interval uses
    no budget.
    """
    covered = list(merge_intervals(watched))
    parts: list[Interval] = []
    for start, end in claimed:
        cursor = start
        for covered_start, covered_end in covered:
            if covered_end <= cursor:
                continue
            if covered_start >= end:
                break
            if covered_start > cursor:
                parts.append((cursor, covered_start))
            cursor = max(cursor, covered_end)
            if cursor >= end:
                break
        if cursor < end:
            parts.append((cursor, end))
        covered = merge_intervals([*covered, (start, end)])
    return parts


def limit_to_budget(intervals: Sequence[Interval], budget: float) -> list[Interval]:
    """Keep intervals in the order they were played until the budget is spent."""
    kept: list[Interval] = []
    left = budget
    for start, end in intervals:
        if left <= 0:
            break
        length = end - start
        if length <= left:
            kept.append((start, end))
            left -= length
        else:
            kept.append((start, start + left))
            left = 0
    return kept


def is_complete(
    seconds: float, duration: float, ratio: float = COMPLETION_RATIO
) -> bool:
    """A lesson is complete once `ratio` of its duration has been watched."""
    return duration > 0 and seconds >= ratio * duration - 0.01


def apply_heartbeat(
    stored: Iterable[Sequence[float]],
    claimed: Iterable,
    *,
    duration: float,
    budget: float,
    position: float,
    ratio: float = COMPLETION_RATIO,
) -> HeartbeatResult:
    """Merge what a heartbeat claims into what is stored: at most `budget` seconds of
    video not watched before, taken in the order they were played."""
    before = merge_intervals(stored)
    seconds_before = unique_seconds(before)
    new = unwatched_parts(clean_intervals(claimed, duration), before)
    new = limit_to_budget(new, budget)
    merged = merge_intervals([*before, *new])
    seconds = min(unique_seconds(merged), float(duration))
    return HeartbeatResult(
        intervals=merged,
        unique_seconds=seconds,
        gained_seconds=round(max(0.0, seconds - seconds_before), 2),
        completed=is_complete(seconds, duration, ratio),
        position=clip_position(position, duration),
    )


def clip_position(position: float, duration: float) -> float:
    """The resume position, within the video."""
    try:
        value = float(position)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    if not math.isfinite(value):
        return 0.0
    return min(max(0.0, value), float(duration))


def credit_hours(
    duration_seconds: float,
    rules: Sequence[tuple[int, Decimal | str | float]] = DEFAULT_CREDIT_RULES,
) -> Decimal:
    """Default 学时 of a course from its total duration: the first rule whose minimum fits."""
    for minimum, hours in sorted(rules, key=lambda rule: rule[0], reverse=True):
        if duration_seconds >= minimum:
            return Decimal(str(hours))
    return Decimal("0")
