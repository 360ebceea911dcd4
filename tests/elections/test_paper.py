"""Paper ballots of in-person votes: entered once after closing, ballot by ballot or
as totals, checked against the voters present, added to the tally, audited; staff
of another branch get 403."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from elections import services, tally
from elections.models import PaperCount, Status
from members.models import SecurityEvent
from tests.audit_log import logged_actions
from tests.elections.factories import ElectionFactory

from .conftest import ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(tree, voters, staff_a):
    """An in-person vote of branch 甲 (5 on the register, 2 seats): one member
    voted on the phone, then the meeting closed."""
    election = services.open_election(
        ElectionFactory(organization=tree["a"], mode="in_person"), by=staff_a
    )
    services.cast_ballot(election, ballot(election, "王磊"), user=voters[0].user)
    return services.close_election(election, by=staff_a)


def test_check_paper_rules():
    ok = tally.PaperTotals(present=4, collected=4, blank=1, votes={1: 3, 2: 2})
    assert tally.check_paper(ok, seats=2) == []
    too_many = tally.PaperTotals(present=3, collected=4, votes={1: 1})
    assert "多于到会人数" in tally.check_paper(too_many, seats=2)[0]
    over = tally.PaperTotals(present=4, collected=4, votes={1: 5})
    assert "多于有效选票" in tally.check_paper(over, seats=2)[0]
    crowded = tally.PaperTotals(present=2, collected=2, votes={1: 2, 2: 2, 3: 1})
    assert "应选 2 人" in tally.check_paper(crowded, seats=2)[0]


def test_ballot_by_ballot_entry_joins_the_tally(meeting, staff_a):
    text = "王磊 赵雪\n王磊、李强\n空白\n王磊 赵雪 李强"
    record = services.enter_paper_count(
        meeting, by=staff_a, method="ballots", present=4, ballots_text=text
    )
    assert (record.collected, record.blank, record.invalid) == (4, 1, 1)
    result = services.count_ballots(meeting)
    assert result.cast == 5 and result.paper == 4 and result.present == 5
    votes = {row.name: row.votes for row in result.rows}
    # Online: 王磊; paper: 王磊 ×2, 赵雪 ×1, 李强 ×1 (the over-marked ballot is void).
    assert votes == {"王磊": 3, "赵雪": 1, "李强": 1}
    assert result.invalid == 1 and result.blank == 1
    assert [row.name for row in result.elected] == ["王磊"]
    services.sign_off(meeting, by=staff_a)
    meeting.refresh_from_db()
    assert meeting.result["paper"] == 4
    entry = ModelLogEntry.objects.get(
        object_id=str(meeting.pk), action="elections.paper"
    )
    assert entry.user == staff_a and entry.data["collected"] == 4
    with pytest.raises(services.ElectionError, match="结果确认后不能再撤销"):
        services.withdraw_paper_count(meeting, by=staff_a)


def test_second_entry_is_refused_and_withdrawal_allows_a_correction(meeting, staff_a):
    services.enter_paper_count(
        meeting, by=staff_a, method="ballots", present=2, ballots_text="王磊\n赵雪"
    )
    with pytest.raises(services.ElectionError, match="不能重复录入"):
        services.enter_paper_count(
            meeting, by=staff_a, method="ballots", present=2, ballots_text="王磊\n赵雪"
        )
    assert PaperCount.objects.count() == 1
    services.withdraw_paper_count(meeting, by=staff_a)
    services.enter_paper_count(
        meeting,
        by=staff_a,
        method="totals",
        present=3,
        totals={
            "collected": 3,
            "blank": 0,
            "invalid": 1,
            "votes": {meeting.candidates.get(name="赵雪").pk: 2},
            "write_ins": {},
        },
    )
    votes = {r.name: r.votes for r in services.count_ballots(meeting).rows}
    assert votes == {"赵雪": 2, "王磊": 1, "李强": 0}
    actions = logged_actions(meeting)
    assert actions.count("elections.paper") == 2
    assert "elections.paper_withdraw" in actions


def test_bad_entries_are_refused_and_nothing_is_written(tree, meeting, staff_a):
    cases = [
        ({"present": 2, "ballots_text": "王磊\n张三"}, "第 2 行：“张三”不是候选人"),
        ({"present": 2, "ballots_text": "王磊 王磊"}, "同一人写了两次"),
        ({"present": 1, "ballots_text": "王磊\n赵雪"}, "多于到会人数"),
        ({"present": 5, "ballots_text": "王磊"}, "多于有选举权"),
        ({"present": 2, "ballots_text": "  "}, "每行一张"),
    ]
    for fields, message in cases:
        with pytest.raises(services.ElectionError, match=message):
            services.enter_paper_count(meeting, by=staff_a, method="ballots", **fields)
    with pytest.raises(services.ElectionError, match="无效的候选人"):
        services.enter_paper_count(
            meeting,
            by=staff_a,
            method="totals",
            present=1,
            totals={
                "collected": 1,
                "blank": 0,
                "invalid": 0,
                "votes": {999999: 1},
                "write_ins": {},
            },
        )
    online = services.open_election(ElectionFactory(organization=tree["a"]), by=staff_a)
    services.close_election(online, by=staff_a)
    with pytest.raises(services.ElectionError, match="只有现场投票"):
        services.enter_paper_count(
            online, by=staff_a, method="ballots", present=1, ballots_text="王磊"
        )
    assert not PaperCount.objects.exists()


def test_paper_entry_through_the_admin(client, meeting, staff_a):
    client.force_login(staff_a)
    url = reverse("elections_paper", args=[meeting.pk])
    assert client.get(url).status_code == 200
    ids = {c.name: c.pk for c in meeting.candidates.all()}
    data = {
        "method": "totals",
        "present": "3",
        "valid": "3",
        "invalid": "0",
        "blank": "0",
        f"votes_{ids['王磊']}": "2",
        f"votes_{ids['赵雪']}": "5",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "多于有效选票" in response.content.decode()
    data[f"votes_{ids['赵雪']}"] = "2"
    assert client.post(url, {**data, "present": "很多"}).status_code == 400
    response = client.post(url, data)
    assert response.status_code == 302
    manage = client.get(reverse("elections_manage", args=[meeting.pk]))
    assert "其中纸质选票" in manage.content.decode()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "不能重复录入" in response.content.decode()
    assert "已录入" in response.content.decode()
    assert PaperCount.objects.count() == 1
    meeting.refresh_from_db()
    assert meeting.status == Status.CLOSED


def test_staff_of_another_branch_get_403(client, tree, meeting):
    from members.roles import PUBLICIST
    from tests.members.factories import make_staff_user

    client.force_login(make_staff_user(PUBLICIST, scope=tree["b"]))
    for name in ("elections_paper", "elections_paper_withdraw"):
        response = client.post(
            reverse(name, args=[meeting.pk]),
            {"method": "ballots", "present": "1", "ballots": "王磊"},
        )
        assert response.status_code == 403
    assert client.get(reverse("elections_paper", args=[meeting.pk])).status_code == 403
    assert not PaperCount.objects.exists()


def test_paper_entry_and_withdrawal_are_in_the_security_log(client, meeting, staff_a):
    client.force_login(staff_a)
    ids = {c.name: c.pk for c in meeting.candidates.all()}
    data = {
        "method": "totals",
        "present": "3",
        "valid": "3",
        "invalid": "0",
        "blank": "0",
        f"votes_{ids['王磊']}": "2",
        f"votes_{ids['赵雪']}": "1",
    }
    assert (
        client.post(reverse("elections_paper", args=[meeting.pk]), data).status_code
        == 302
    )
    withdraw = reverse("elections_paper_withdraw", args=[meeting.pk])
    assert client.post(withdraw).status_code == 302
    events = SecurityEvent.objects.filter(action="election").order_by("pk")
    assert [(e.user, e.ip_address, e.detail) for e in events] == [
        (staff_a, "127.0.0.1", f"录入纸质选票：{meeting.title}"),
        (staff_a, "127.0.0.1", f"撤销纸质选票录入：{meeting.title}"),
    ]
