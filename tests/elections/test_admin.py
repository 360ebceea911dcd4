"""投票计票 in the admin and on the site: scope per role (403 outside), the control
page's actions, voters' pages."""

import pytest
from django.urls import reverse

from elections import services
from elections.models import Election, Status
from members.models import SecurityEvent
from members.roles import LEADER, MAILBOX_HANDLER, PUBLICIST, REVIEWER, SCHOOL_ADMIN
from tests.elections.factories import ElectionFactory
from tests.members.factories import MemberFactory, make_site_admin, make_staff_user

from .conftest import ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(tree, staff_a):
    MemberFactory(organization=tree["b"])
    return ElectionFactory(organization=tree["b"], title="乙党支部委员会换届选举")


def test_scoped_staff_run_only_their_votes(client, election, other, staff_a):
    client.force_login(staff_a)
    index = client.get(reverse("elections_admin:index")).content.decode()
    assert election.title in index and other.title not in index
    assert (
        client.get(reverse("elections_manage", args=[election.pk])).status_code == 200
    )
    for url in (
        reverse("elections_manage", args=[other.pk]),
        reverse("elections_admin:edit", args=[other.pk]),
        reverse("elections_admin:delete", args=[other.pk]),
        reverse("elections_admin:history", args=[other.pk]),
    ):
        assert client.get(url).status_code == 403, url
    for name in (
        "elections_open",
        "elections_close",
        "elections_sign",
        "elections_publish",
    ):
        assert client.post(reverse(name, args=[other.pk])).status_code == 403
    other.refresh_from_db()
    assert other.status == Status.DRAFT


def test_site_admin_sees_all(client, election, other):
    client.force_login(make_site_admin())
    index = client.get(reverse("elections_admin:index")).content.decode()
    assert election.title in index and other.title in index


@pytest.mark.parametrize("role", [REVIEWER, SCHOOL_ADMIN, MAILBOX_HANDLER, LEADER])
def test_other_roles_get_403(client, tree, election, role):
    client.force_login(make_staff_user(role, scope=tree["a"]))
    for url in (
        reverse("elections_admin:index"),
        reverse("elections_manage", args=[election.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "投票计票由站点管理员和宣传员主持" in response.content.decode()


def test_publicist_without_scope_gets_403(client, election):
    client.force_login(make_staff_user(PUBLICIST))
    assert client.get(reverse("elections_admin:index")).status_code == 403


def test_create_outside_scope_is_403_and_opened_votes_are_locked(
    client, tree, election, staff_a
):
    client.force_login(staff_a)
    data = {
        "title": "越权投票",
        "organization": tree["b"].pk,
        "mode": "online",
        "seats": "1",
        "opens_at": "2026-01-01 08:00",
        "closes_at": "2036-01-01 08:00",
        "quorum_percent": "50",
        "elect_percent": "50",
        "candidates-TOTAL_FORMS": "1",
        "candidates-INITIAL_FORMS": "0",
        "candidates-MIN_NUM_FORMS": "1",
        "candidates-MAX_NUM_FORMS": "1000",
        "candidates-0-name": "张三",
        "candidates-0-note": "",
        "candidates-0-ORDER": "1",
    }
    assert client.post(reverse("elections_admin:add"), data).status_code == 403
    data["organization"] = tree["a"].pk
    data["title"] = "甲支部书记选举"
    response = client.post(reverse("elections_admin:add"), data)
    assert response.status_code == 302
    created = Election.objects.get(title="甲支部书记选举")
    assert response["Location"] == reverse("elections_manage", args=[created.pk])
    data["title"] = "改名"
    response = client.post(reverse("elections_admin:edit", args=[election.pk]), data)
    assert response.status_code == 200 and "投票已经启动" in response.content.decode()
    assert (
        client.post(reverse("elections_admin:delete", args=[election.pk])).status_code
        == 403
    )


def test_turnout_while_open_tally_after_close(client, election, voters, staff_a):
    services.cast_ballot(election, ballot(election, "王磊"), user=voters[0].user)
    client.force_login(staff_a)
    page = client.get(reverse("elections_manage", args=[election.pk])).content.decode()
    assert 'data-testid="admin-turnout">1<' in page and "tally-votes" not in page
    client.post(reverse("elections_close", args=[election.pk]))
    page = client.get(reverse("elections_manage", args=[election.pk])).content.decode()
    assert "tally-votes" in page and "（待确认）" in page
    client.post(reverse("elections_sign", args=[election.pk]))
    election.refresh_from_db()
    assert election.status == Status.SIGNED


def test_voter_pages(client, election, voters, tree):
    outsider = MemberFactory(organization=tree["b"])
    client.force_login(outsider.user)
    assert (
        client.get(reverse("elections:ballot", args=[election.pk])).status_code == 404
    )
    client.force_login(voters[0].user)
    page = client.get(reverse("elections:ballot", args=[election.pk]))
    assert page.status_code == 200 and "提交选票" in page.content.decode()
    assert (
        client.get(reverse("elections:results", args=[election.pk])).status_code == 403
    )
    response = client.post(
        reverse("elections:ballot", args=[election.pk]),
        dict(ballot(election, "王磊", "赵雪", "李强").lists()),
    )
    assert (
        response.status_code == 400 and "最多只能选 2 人" in response.content.decode()
    )
    response = client.post(
        reverse("elections:ballot", args=[election.pk]), ballot(election, "王磊")
    )
    assert response["Location"] == reverse("elections:receipt", args=[election.pk])
    receipt = client.get(response["Location"]).content.decode()
    assert "只显示这一次" in receipt
    assert (
        client.get(reverse("elections:receipt", args=[election.pk])).status_code == 410
    )
    again = client.post(
        reverse("elections:ballot", args=[election.pk]), ballot(election, "王磊")
    )
    assert again.status_code == 400 and "每人只能投一次" in again.content.decode()
    bad = client.post(reverse("elections:verify", args=[election.pk]), {"code": "x"})
    assert bad.status_code == 400


def test_deciding_steps_are_in_the_security_log_with_user_and_address(
    client, election, voters, staff_a
):
    client.force_login(staff_a)
    client.post(reverse("elections_close", args=[election.pk]))
    client.post(reverse("elections_sign", args=[election.pk]))
    client.post(reverse("elections_sign", args=[election.pk]))  # refused: not logged
    events = SecurityEvent.objects.filter(action="election").order_by("pk")
    assert [(e.user, e.ip_address, e.detail) for e in events] == [
        (staff_a, "127.0.0.1", f"结束投票：{election.title}"),
        (staff_a, "127.0.0.1", f"确认计票结果：{election.title}"),
    ]
