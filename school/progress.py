"""Study-time rules: merging watched intervals, heartbeat credit, completion, 学时.

Pure functions with no Django in them, so the rules are cheap to test and reason about.
Time on the server is the only clock trusted: the client's clock may be skewed or
tampered with, so credit per heartbeat is bounded by the server time elapsed since the
previous heartbeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

Interval = tuple[float, float]

COMPLETION_RATIO = 0.9
MAX_PLAYBACK_RATE = 2.0
# A heartbeat is due every 10 s; browsers throttle timers of hidden tabs to one a
# minute, so up to 90 s between heartbeats still counts.
MAX_HEARTBEAT_GAP = 90.0
# The first heartbeat on a lesson has no previous one to measure against.
FIRST_HEARTBEAT_WALL_SECONDS = 15.0
# Network jitter between the player's clock and the server's.
CREDIT_TOLERANCE = 1.0

DEFAULT_CREDIT_RULES: tuple[tuple[int, Decimal], ...] = (
    (30 * 60, Decimal("1")),
    (15 * 60, Decimal("0.5")),
    (0, Decimal("0.25")),
)


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
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if start != start or end != end:  # NaN
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


def credit_budget(
    elapsed: float | None, *, max_rate: float = MAX_PLAYBACK_RATE
) -> float:
    """Most seconds of video one heartbeat may claim, from server time since the last one.

    `elapsed` is None for the first heartbeat on a lesson. A negative value (the
    server's clock stepped back) earns nothing rather than everything.
    """
    if elapsed is None:
        wall = FIRST_HEARTBEAT_WALL_SECONDS
    else:
        wall = min(max(elapsed, 0.0), MAX_HEARTBEAT_GAP)
    return wall * max_rate + CREDIT_TOLERANCE


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
    elapsed: float | None,
    position: float,
    accrues: bool = True,
    max_rate: float = MAX_PLAYBACK_RATE,
    ratio: float = COMPLETION_RATIO,
) -> HeartbeatResult:
    """Merge what a heartbeat claims into what is stored, within the wall-clock budget.

    `accrues` is False when another lesson of the same member is accruing time: the
    position is kept, no seconds are credited.
    """
    before = merge_intervals(stored)
    seconds_before = unique_seconds(before)
    new = clean_intervals(claimed, duration) if accrues else []
    new = limit_to_budget(new, credit_budget(elapsed, max_rate=max_rate))
    merged = merge_intervals([*before, *new])
    seconds = min(unique_seconds(merged), float(duration))
    return HeartbeatResult(
        intervals=merged,
        unique_seconds=seconds,
        gained_seconds=round(max(0.0, seconds - seconds_before), 2),
        completed=is_complete(seconds, duration, ratio),
        position=min(max(0.0, float(position)), float(duration)),
    )


def credit_hours(
    duration_seconds: float,
    rules: Sequence[tuple[int, Decimal | str | float]] = DEFAULT_CREDIT_RULES,
) -> Decimal:
    """Default 学时 of a course from its total duration: the first rule whose minimum fits."""
    for minimum, hours in sorted(rules, key=lambda rule: rule[0], reverse=True):
        if duration_seconds >= minimum:
            return Decimal(str(hours))
    return Decimal("0")
