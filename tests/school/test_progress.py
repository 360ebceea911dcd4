"""Pure study-time rules: no database, no Django."""

from decimal import Decimal

import pytest

from school.progress import (
    FIRST_HEARTBEAT_WALL_SECONDS,
    MAX_HEARTBEAT_GAP,
    apply_heartbeat,
    clean_intervals,
    credit_budget,
    credit_hours,
    is_complete,
    limit_to_budget,
    merge_intervals,
    unique_seconds,
)


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


def test_first_heartbeat_budget_is_a_short_allowance():
    assert credit_budget(None) == pytest.approx(FIRST_HEARTBEAT_WALL_SECONDS * 2 + 1)


def test_budget_grows_with_server_time_but_is_capped_for_long_gaps():
    assert credit_budget(10) == pytest.approx(21)
    assert credit_budget(3600) == pytest.approx(MAX_HEARTBEAT_GAP * 2 + 1)


def test_server_clock_stepping_back_earns_nothing_extra():
    assert credit_budget(-300) == pytest.approx(1)


def test_limit_to_budget_keeps_intervals_in_played_order():
    assert limit_to_budget([(0, 10), (20, 30)], 15) == [(0, 10), (20, 25)]


def test_dragging_to_the_end_earns_nothing():
    result = apply_heartbeat([], [], duration=600, elapsed=2, position=599)
    assert result.unique_seconds == 0
    assert not result.completed
    assert result.position == 599


def test_claiming_the_whole_video_in_one_heartbeat_is_capped_by_wall_clock():
    result = apply_heartbeat([], [[0, 600]], duration=600, elapsed=10, position=600)
    assert result.unique_seconds == pytest.approx(21)
    assert not result.completed


def test_playback_faster_than_twice_earns_no_extra_credit():
    # 10 s of wall clock at 4x covers 40 s of video; only 2x of it counts.
    result = apply_heartbeat(
        [(0, 100)], [[100, 140]], duration=600, elapsed=10, position=140
    )
    assert result.gained_seconds == pytest.approx(21)


def test_playback_at_two_times_counts_fully():
    result = apply_heartbeat([], [[0, 20]], duration=600, elapsed=10, position=20)
    assert result.gained_seconds == 20


def test_client_clock_skew_does_not_matter_because_only_server_time_is_used():
    # The claim says nothing about client time; the same elapsed server time gives
    # the same credit whatever the client's clock says.
    a = apply_heartbeat([], [[0, 10]], duration=60, elapsed=10, position=10)
    b = apply_heartbeat([], [[0, 10]], duration=60, elapsed=10, position=10)
    assert a == b


def test_heartbeats_replayed_after_a_reload_do_not_count_twice():
    stored = [(0, 30)]
    result = apply_heartbeat(stored, [[0, 30]], duration=60, elapsed=40, position=30)
    assert result.gained_seconds == 0
    assert result.intervals == [(0, 30)]


def test_a_lesson_that_is_not_accruing_keeps_position_but_earns_nothing():
    result = apply_heartbeat(
        [(0, 5)], [[5, 15]], duration=60, elapsed=10, position=15, accrues=False
    )
    assert result.gained_seconds == 0
    assert result.position == 15


def test_completion_needs_ninety_percent_watched():
    assert not is_complete(89.9, 100)
    assert is_complete(90, 100)
    assert not is_complete(0, 0)


def test_watching_in_steady_heartbeats_completes_the_lesson():
    stored: list = []
    completed = False
    for start in range(0, 100, 10):
        result = apply_heartbeat(
            stored, [[start, start + 10]], duration=100, elapsed=10, position=start + 10
        )
        stored, completed = result.intervals, result.completed
        if start + 10 < 90:
            assert not completed
    assert completed
    assert stored == [(0, 100)]


def test_position_is_clipped_to_the_video():
    assert apply_heartbeat([], [], duration=50, elapsed=1, position=-3).position == 0
    assert apply_heartbeat([], [], duration=50, elapsed=1, position=99).position == 50


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
