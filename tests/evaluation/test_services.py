"""民主评议 use cases: the register, self-assessment, ratings (one per pair, in the
window, never of oneself or outsiders), tallies, confirmation, closing, the
outcome other apps read, and the audit trail."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from evaluation import services
from evaluation.models import Rating, Status
from evaluation.outcomes import GRADE_RANK, confirmed_outcome, confirmed_outcomes
from tests.audit_log import logged_actions
from tests.evaluation.factories import RatingFactory, RoundFactory

from .conftest import end_now

pytestmark = pytest.mark.django_db


def test_open_fixes_the_register_with_the_branch_and_its_groups(
    round, members, outsider
):
    on_register = set(round.participants.values_list("member_id", flat=True))
    assert on_register == {m.pk for m in members}
    assert round.status == Status.OPEN and round.phase() == "rating"


def test_open_twice_and_tiny_branches_are_refused(tree, round, staff_a, outsider):
    with pytest.raises(services.EvaluationError, match="只有筹备中"):
        services.open_round(round, by=staff_a)
    lonely = RoundFactory(organization=tree["b"], title="乙")
    with pytest.raises(services.EvaluationError, match="不足 2 人"):
        services.open_round(lonely, by=staff_a)


def test_rating_rules(round, members, outsider):
    wang, zhao, li, _sun = members
    services.rate(round, wang, zhao.pk, "excellent", "带头攻坚")
    # A second rating of the same member changes the first.
    services.rate(round, wang, zhao.pk, "qualified", "")
    assert Rating.objects.get(round=round, rater=wang, ratee=zhao).grade == "qualified"
    for ratee, grade, message in [
        (wang.pk, "excellent", "不能评价自己"),
        (outsider.pk, "excellent", "不在本轮评议名单"),
        (zhao.pk, "perfect", "请选择评价"),
    ]:
        with pytest.raises(services.EvaluationError, match=message):
            services.rate(round, wang, ratee, grade, "")
    with pytest.raises(services.EvaluationError, match="您不在本轮"):
        services.rate(round, outsider, zhao.pk, "excellent", "")
    with pytest.raises(services.EvaluationError, match="500"):
        services.rate(round, wang, li.pk, "excellent", "长" * 501)
    assert Rating.objects.filter(round=round).count() == 1


def test_the_database_keeps_one_rating_per_pair_and_none_of_oneself(round, members):
    wang, zhao = members[:2]
    RatingFactory(round=round, rater=wang, ratee=zhao, grade="excellent")
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingFactory(round=round, rater=wang, ratee=zhao, grade="basic")
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingFactory(round=round, rater=wang, ratee=wang, grade="basic")


def test_outside_the_window_nothing_is_written(tree, members, staff_a):
    later = RoundFactory(
        organization=tree["a"],
        opens_at=timezone.now() + datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=2),
    )
    services.open_round(later, by=staff_a)
    wang, zhao = members[:2]
    with pytest.raises(services.EvaluationError, match="尚未开始"):
        services.rate(later, wang, zhao.pk, "excellent", "")
    # The self-assessment may be written before the rating starts.
    services.save_self_assessment(later, wang, "认真学习，按时交纳党费。")
    end_now(later, staff_a)
    with pytest.raises(services.EvaluationError, match="已经截止"):
        services.rate(later, wang, zhao.pk, "excellent", "")
    with pytest.raises(services.EvaluationError, match="已经截止"):
        services.save_self_assessment(later, wang, "改一改")
    assert not Rating.objects.exists()


def test_tallies_count_grades_and_hide_the_order_of_comments(round, members):
    wang, zhao, li, sun = members
    services.rate(round, sun, wang.pk, "basic", "甲：学习不够")
    services.rate(round, li, wang.pk, "excellent", "")
    services.rate(round, zhao, wang.pk, "excellent", "乙：工作扎实")
    row = next(t for t in services.tallies(round) if t.member == wang)
    assert row.counts_dict() == {
        "excellent": 2,
        "qualified": 0,
        "basic": 1,
        "unqualified": 0,
    }
    assert row.total == 3 and row.suggestion == "excellent"
    # Sorted by text (code point), not in the order they were written.
    assert row.comments == ["乙：工作扎实", "甲：学习不够"]
    assert services.progress(round)["ratings"] == 3


def test_confirm_then_close_makes_the_outcome_final(round, members, staff_a):
    wang, zhao, li, sun = members
    services.rate(round, zhao, wang.pk, "excellent", "")
    with pytest.raises(services.EvaluationError, match="截止后"):
        services.confirm_outcome(round, wang.pk, "excellent", "", by=staff_a)
    round = end_now(round, staff_a)
    for member in (wang, zhao, li):
        services.confirm_outcome(round, member.pk, "qualified", "", by=staff_a)
    with pytest.raises(services.EvaluationError, match="还有 1 名"):
        services.close_round(round, by=staff_a)
    # Not final yet: other apps see nothing.
    assert confirmed_outcomes(2026) == {}
    services.confirm_outcome(round, sun.pk, "basic", "学习时间不足", by=staff_a)
    outcome = services.confirm_outcome(
        round, wang.pk, "excellent", "支委会讨论一致同意", by=staff_a
    )
    assert outcome.decided_by == staff_a and outcome.tally["excellent"] == 1
    services.close_round(round, by=staff_a)
    round.refresh_from_db()
    assert round.status == Status.CLOSED and round.closed_by == staff_a
    with pytest.raises(services.EvaluationError, match="不能再修改"):
        services.confirm_outcome(round, wang.pk, "qualified", "", by=staff_a)
    assert confirmed_outcome(wang, 2026) == "excellent"
    assert confirmed_outcome(sun.pk, 2026) == "basic"
    assert confirmed_outcome(wang, 2025) is None
    assert confirmed_outcomes(2026, member_ids=[zhao.pk]) == {zhao.pk: "qualified"}
    assert GRADE_RANK["excellent"] < GRADE_RANK["unqualified"]


def test_every_state_change_is_audited_without_naming_whom_a_rating_was_of(
    round, members, staff_a
):
    wang, zhao = members[:2]
    services.save_self_assessment(round, wang, "按时参加组织生活。")
    services.rate(round, wang, zhao.pk, "unqualified", "不参加组织生活")
    round = end_now(round, staff_a)
    services.confirm_outcome(round, zhao.pk, "basic", "", by=staff_a)
    actions = logged_actions(round)
    assert actions == [
        "evaluation.open",
        "evaluation.self",
        "evaluation.rate",
        "evaluation.end_rating",
        "evaluation.confirm",
    ]
    rate_entry = ModelLogEntry.objects.get(
        object_id=str(round.pk), action="evaluation.rate"
    )
    assert rate_entry.user_id == wang.user_id
    assert set(rate_entry.data) == {"title"}


def test_members_are_told_when_the_round_opens_and_when_outcomes_are_final(
    tree, members, outsider, staff_a
):
    from notifications.models import Notification

    round = services.open_round(RoundFactory(organization=tree["a"]), by=staff_a)
    told = set(
        Notification.objects.filter(kind="evaluation_open").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {m.user_id for m in members}
    note = Notification.objects.filter(kind="evaluation_open").first()
    assert note.url == f"/evaluation/{round.pk}/"
    round = end_now(round, staff_a)
    for member in members:
        services.confirm_outcome(round, member.pk, "qualified", "", by=staff_a)
    services.close_round(round, by=staff_a)
    assert Notification.objects.filter(kind="evaluation_closed").count() == 4
    assert not Notification.objects.filter(recipient=outsider.user).exists()
