"""投票计票 services: the register, one secret ballot each, bad ballots, receipts,
closing, tally, sign-off, the 公示; every state change audited."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from elections import services
from elections.models import Ballot, Election, Elector, Participation
from tests.audit_log import logged_actions
from tests.elections.factories import ElectionFactory
from tests.members.factories import MemberFactory

from .conftest import ballot

pytestmark = pytest.mark.django_db


def test_opening_fixes_the_register_of_the_organisation_and_below(
    tree, voters, staff_a
):
    election = ElectionFactory(organization=tree["a"])
    MemberFactory(organization=tree["b"])
    services.open_election(election, by=staff_a)
    assert election.eligible_count == 5
    assert set(Elector.objects.values_list("member_id", flat=True)) == {
        v.pk for v in voters
    }
    late = MemberFactory(organization=tree["a"])
    with pytest.raises(services.ElectionError, match="不在本次投票的选举人名单中"):
        services.cast_ballot(election, ballot(election, "王磊"), user=late.user)


def test_a_ballot_keeps_no_voter_and_a_second_is_refused(election, voters):
    code = services.cast_ballot(
        election, ballot(election, "王磊", "赵雪"), user=voters[0].user
    )
    stored = Ballot.objects.get()
    assert stored.candidates == sorted(c.pk for c in election.candidates.all()[:2])
    assert stored.cast_on == timezone.localdate()
    field_names = {f.name for f in Ballot._meta.get_fields()}
    assert not field_names & {"member", "user", "voter", "created_at"}
    assert stored.receipt_hash != code and len(stored.receipt_hash) == 64
    assert Participation.objects.get().member == voters[0]
    with pytest.raises(services.ElectionError, match="每人只能投一次"):
        services.cast_ballot(election, ballot(election, "李强"), user=voters[0].user)
    assert Ballot.objects.count() == 1
    assert services.turnout(election) == (1, 5)
    assert services.verify_receipt(election, code.lower(), ip="192.0.2.1")
    assert not services.verify_receipt(election, "AAAA-BBBB-CCCC", ip="192.0.2.1")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda e: ballot(e, "王磊", "赵雪", "李强"), "最多只能选 2 人"),
        (lambda e: ballot(e), "请至少选择一人"),
        (lambda e: ballot(e, "王磊", blank=True), "空白票不能同时选择候选人"),
        (lambda e: ballot(e, write_ins=["周平"]), "不能另选他人"),
    ],
)
def test_bad_ballots_store_nothing(election, voters, make, message):
    with pytest.raises(services.ElectionError, match=message):
        services.cast_ballot(election, make(election), user=voters[0].user)
    assert not Ballot.objects.exists() and not Participation.objects.exists()


@pytest.mark.parametrize("value", ["999999", "-1", "²", "1" * 30, "abc", ""])
def test_tampered_candidate_ids_are_refused(election, voters, value):
    data = ballot(election, "王磊")
    data.setlist("candidate", [*data.getlist("candidate"), value])
    if value == "":
        services.cast_ballot(election, data, user=voters[0].user)  # empty is ignored
        return
    with pytest.raises(services.ElectionError, match="无效的候选人"):
        services.cast_ballot(election, data, user=voters[0].user)
    assert not Participation.objects.exists()


def test_another_votes_candidate_is_tampering(tree, election, voters, staff_a):
    other = ElectionFactory(
        organization=tree["a"], title="另一次投票", candidates=("孙明", "钱进")
    )
    data = ballot(election, "王磊")
    data.setlist("candidate", [str(other.candidates.first().pk)])
    with pytest.raises(services.ElectionError, match="无效的候选人"):
        services.cast_ballot(election, data, user=voters[0].user)


def test_votes_outside_the_window_are_refused(tree, voters, staff_a):
    future = ElectionFactory(
        organization=tree["a"], opens_at=timezone.now() + datetime.timedelta(hours=1)
    )
    with pytest.raises(services.ElectionError, match="尚未开始"):
        services.cast_ballot(future, ballot(future, "王磊"), user=voters[0].user)
    services.open_election(future, by=staff_a)
    with pytest.raises(services.ElectionError, match="尚未开始"):
        services.cast_ballot(future, ballot(future, "王磊"), user=voters[0].user)
    Election.objects.filter(pk=future.pk).update(
        opens_at=timezone.now() - datetime.timedelta(hours=2),
        closes_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    future.refresh_from_db()
    with pytest.raises(services.ElectionError, match="已经结束"):
        services.cast_ballot(future, ballot(future, "王磊"), user=voters[0].user)
    assert not Ballot.objects.exists()


def test_write_ins_when_allowed(tree, voters, staff_a):
    election = services.open_election(
        ElectionFactory(organization=tree["a"], allow_write_ins=True), by=staff_a
    )
    services.cast_ballot(
        election, ballot(election, "王磊", write_ins=["周 平"]), user=voters[0].user
    )
    assert Ballot.objects.get().write_ins == ["周 平"]
    with pytest.raises(services.ElectionError, match="已在候选人中"):
        services.cast_ballot(
            election, ballot(election, write_ins=["赵雪"]), user=voters[1].user
        )


def test_results_only_after_closing_then_signed_and_published(
    election, voters, staff_a, home_page
):
    for voter, names in zip(
        voters,
        [("王磊", "赵雪"), ("王磊", "赵雪"), ("王磊", "李强"), ("赵雪",)],
        strict=False,
    ):
        services.cast_ballot(election, ballot(election, *names), user=voter.user)
    services.cast_ballot(election, ballot(election, blank=True), user=voters[4].user)
    with pytest.raises(services.ElectionError, match="投票结束后才能计票"):
        services.count_ballots(election)
    with pytest.raises(services.ElectionError, match="已结束、尚未确认"):
        services.sign_off(election, by=staff_a)
    services.close_election(election, by=staff_a)
    with pytest.raises(services.ElectionError, match=r"每人只能投一次|已经结束"):
        services.cast_ballot(election, ballot(election, "王磊"), user=voters[0].user)
    tally = services.count_ballots(election)
    assert (tally.cast, tally.blank, tally.votes_needed) == (5, 1, 3)
    assert [(r.name, r.votes, r.elected) for r in tally.rows] == [
        ("王磊", 3, True),
        ("赵雪", 3, True),
        ("李强", 1, False),
    ]
    services.sign_off(election, by=staff_a)
    election.refresh_from_db()
    assert election.result["cast"] == 5 and election.signed_off_by == staff_a
    notice = services.publish_notice(election, by=staff_a)
    assert not notice.live and "王磊、赵雪" in notice.body
    assert notice.organization == election.organization
    with pytest.raises(services.ElectionError, match="已经生成过"):
        services.publish_notice(election, by=staff_a)
    actions = set(logged_actions(election))
    assert {
        "elections.open",
        "elections.close",
        "elections.sign_off",
        "elections.publish",
    } <= actions


def test_ballots_and_participations_cannot_be_lined_up(election, voters):
    for voter in voters[:3]:
        services.cast_ballot(election, ballot(election, "王磊"), user=voter.user)
    for model in (Ballot, Participation):
        keys = [f.name for f in model._meta.fields]
        assert model._meta.pk.get_internal_type() == "UUIDField"
        assert not any(
            model._meta.get_field(k).get_internal_type() == "DateTimeField"
            for k in keys
        )


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_parallel_double_votes_store_one_ballot(tree, voters, staff_a):
    election = services.open_election(
        ElectionFactory(organization=tree["a"]), by=staff_a
    )
    voter = voters[0]
    results, barrier = [], threading.Barrier(6)

    def vote():
        try:
            barrier.wait()
            services.cast_ballot(election, ballot(election, "王磊"), user=voter.user)
            results.append("ok")
        except services.ElectionError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=vote) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 1
    assert all("每人只能投一次" in r for r in results if r != "ok")
    assert Ballot.objects.filter(election=election).count() == 1
    assert Participation.objects.filter(election=election).count() == 1
