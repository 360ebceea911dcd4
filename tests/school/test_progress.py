"""Pure study-time rules: no database, no Django."""

import random
from decimal import Decimal

import pytest

from school.progress import (
    FIRST_HEARTBEAT_WALL_SECONDS,
    MAX_HEARTBEAT_GAP,
    MIN_HEARTBEAT_INTERVAL,
    Clock,
    ClockRules,
    admit_heartbeat,
    apply_heartbeat,
    clean_intervals,
    credit_hours,
    is_complete,
    limit_to_budget,
    merge_intervals,
    unique_seconds,
    unwatched_parts,
    wall_seconds,
)

RULES = ClockRules()


def test_overlapping_intervals_merge_into_one():
    assert merge_intervals([(0, 10), (5, 15), (15, 20)]) == [(0, 20)]


def test_disjoint_intervals_stay_apart_and_sorted():
    assert merge_intervals([(30, 40), (0, 10)]) == [(0, 10), (30, 40)]


def test_rewatching_the_same_part_adds_nothing():
    assert unique_seconds([(0, 60), (10, 20), (0, 60), (59, 60)]) == 60


def test_seeking_back_and_forth_counts_each_second_once():
    watched = [(0, 10), (50, 60), (5, 15), (55, 70)]
    assert unique_seconds(watched) == 15 + 20


def test_client_garbage_is_dropped_and_intervals_are_clipped_to_the_video():
    raw = [[-5, 3], [8, 2], ["x", 1], [None, 4], [float("nan"), 3], [90, 500], [1]]
    assert clean_intervals(raw, duration=100) == [(0, 3), (90, 100)]


def test_first_heartbeat_gets_a_bounded_allowance():
    assert wall_seconds(None, 1000.0, RULES) == FIRST_HEARTBEAT_WALL_SECONDS


def test_server_time_since_the_previous_credited_heartbeat_is_what_counts():
    assert wall_seconds(1000.0, 1010.0, RULES) == pytest.approx(10)
    assert wall_seconds(1000.0, 1000.0 + MAX_HEARTBEAT_GAP, RULES) == pytest.approx(
        MAX_HEARTBEAT_GAP
    )


def test_heartbeat_after_a_pause_gets_only_the_allowance():
    assert wall_seconds(1000.0, 1000.0 + 3600, RULES) == FIRST_HEARTBEAT_WALL_SECONDS


def test_heartbeat_sooner_than_the_minimum_interval_earns_nothing():
    assert wall_seconds(1000.0, 1000.0 + MIN_HEARTBEAT_INTERVAL - 0.01, RULES) is None
    assert wall_seconds(1000.0, 1000.0, RULES) is None


def test_server_clock_stepping_back_earns_nothing_extra():
    assert wall_seconds(1000.0, 990.0, RULES) is None
    # Far back: as after a pause, the bounded allowance.
    assert wall_seconds(1000.0, 0.0, RULES) == FIRST_HEARTBEAT_WALL_SECONDS


def admit(clock, lesson=1, now=1000.0, claims=True, playing=True):
    return admit_heartbeat(
        clock, lesson=lesson, now=now, claims=claims, playing=playing, rules=RULES
    )


def test_a_credited_heartbeat_moves_the_members_clock():
    first = admit(Clock(), now=1000.0)
    assert first.budget == pytest.approx(FIRST_HEARTBEAT_WALL_SECONDS * 2)
    assert first.clock.last_credit == 1000.0
    second = admit(first.clock, now=1010.0)
    assert second.budget == pytest.approx(20)
    assert second.clock.last_credit == 1010.0


def test_a_deferred_heartbeat_leaves_the_time_for_the_next_one():
    first = admit(Clock(), now=1000.0)
    soon = admit(first.clock, now=1001.0)
    assert soon.deferred and soon.budget == 0
    assert soon.clock.last_credit == 1000.0
    later = admit(soon.clock, now=1010.0)
    assert later.budget == pytest.approx(20)


def test_a_heartbeat_without_intervals_uses_none_of_the_time():
    first = admit(Clock(), now=1000.0)
    empty = admit(first.clock, now=1005.0, claims=False, playing=False)
    assert empty.budget == 0 and not empty.deferred
    assert admit(empty.clock, now=1010.0).budget == pytest.approx(20)


def test_while_one_lesson_plays_another_earns_nothing():
    playing = admit(Clock(), lesson=1, now=1000.0)
    other = admit(playing.clock, lesson=2, now=1005.0)
    assert not other.accrues and other.budget == 0
    assert other.clock == playing.clock
    # Paused: the other lesson may accrue at once.
    paused = admit(playing.clock, lesson=1, now=1006.0, playing=False)
    assert paused.clock.lesson is None
    assert admit(paused.clock, lesson=2, now=1010.0).accrues


def test_budget_over_any_sequence_never_exceeds_server_time_times_the_rate():
    """Whatever the timing and lessons, a member's total budget is at most
    (last - first) x rate plus one first-heartbeat allowance."""
    generator = random.Random(12)
    for _run in range(200):
        clock, now, total, start = Clock(), 1000.0, 0.0, 1000.0
        for _beat in range(generator.randint(1, 60)):
            now += generator.choice([0.0, 0.001, 0.5, 1.9, 2.0, 5, 10, 89, 91, 300])
            admission = admit(
                clock,
                lesson=generator.randint(1, 3),
                now=now,
                claims=generator.random() < 0.9,
                playing=generator.random() < 0.5,
            )
            clock = admission.clock
            total += admission.budget
            # Credit since the start: the first allowance, then server time only.
            bound = (now - start + FIRST_HEARTBEAT_WALL_SECONDS) * RULES.max_rate
            assert total <= bound + 1e-6


def test_limit_to_budget_keeps_intervals_in_played_order():
    assert limit_to_budget([(0, 10), (20, 30)], 15) == [(0, 10), (20, 25)]


def test_dragging_to_the_end_earns_nothing():
    result = apply_heartbeat([], [], duration=600, budget=4, position=599)
    assert result.unique_seconds == 0
    assert not result.completed
    assert result.position == 599


def test_claiming_the_whole_video_in_one_heartbeat_is_capped_by_the_budget():
    result = apply_heartbeat([], [[0, 600]], duration=600, budget=20, position=600)
    assert result.unique_seconds == pytest.approx(20)
    assert not result.completed


def test_playback_faster_than_the_budget_earns_no_extra_credit():
    # 10 s of server time at 4x covers 40 s of video; only 2x of it counts.
    result = apply_heartbeat(
        [(0, 100)], [[100, 140]], duration=600, budget=20, position=140
    )
    assert result.gained_seconds == pytest.approx(20)


def test_playback_within_the_budget_counts_fully():
    result = apply_heartbeat([], [[0, 20]], duration=600, budget=20, position=20)
    assert result.gained_seconds == 20


def test_heartbeats_replayed_after_a_reload_do_not_count_twice():
    stored = [(0, 30)]
    result = apply_heartbeat(stored, [[0, 30]], duration=60, budget=80, position=30)
    assert result.gained_seconds == 0
    assert result.intervals == [(0, 30)]


def test_replayed_intervals_use_none_of_the_budget():
    # [0, 30] was credited before; the new 10 s after it count in full.
    result = apply_heartbeat(
        [(0, 30)], [[0, 30], [30, 40]], duration=60, budget=10, position=40
    )
    assert result.gained_seconds == pytest.approx(10)


def test_unwatched_parts_skip_what_was_watched_and_repeats_in_one_claim():
    watched = [(10, 20), (30, 40)]
    claimed = [(0, 50), (0, 50), (45, 55)]
    assert unwatched_parts(claimed, watched) == [(0, 10), (20, 30), (40, 50), (50, 55)]


def test_completion_needs_ninety_percent_watched():
    assert not is_complete(89.9, 100)
    assert is_complete(90, 100)
    assert not is_complete(0, 0)


def test_watching_in_steady_heartbeats_completes_the_lesson():
    stored: list = []
    completed = False
    for start in range(0, 100, 10):
        result = apply_heartbeat(
            stored, [[start, start + 10]], duration=100, budget=20, position=start + 10
        )
        stored, completed = result.intervals, result.completed
        if start + 10 < 90:
            assert not completed
    assert completed
    assert stored == [(0, 100)]


def test_position_is_clipped_to_the_video():
    assert apply_heartbeat([], [], duration=50, budget=2, position=-3).position == 0
    assert apply_heartbeat([], [], duration=50, budget=2, position=99).position == 50


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(45, "1"), (30, "1"), (29.99, "0.5"), (15, "0.5"), (14.9, "0.25"), (0, "0.25")],
)
def test_default_credit_hours_follow_duration(minutes, hours):
    assert credit_hours(minutes * 60) == Decimal(hours)


def test_credit_rules_can_be_overridden():
    rules = [(3600, "2"), (0, "1")]
    assert credit_hours(4000, rules) == Decimal("2")
    assert credit_hours(100, rules) == Decimal("1")
