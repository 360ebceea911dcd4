"""Changing the e-mail address from /me/: a signed link to the new address."""

import re

import pytest
from django.core import signing

from members.accounts import email_change
from members.models import SecurityEvent

from .factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def member(tree):
    return MemberFactory(organization=tree["a"], user__email="old@example.org")


def _link(mail) -> str:
    return re.search(r"https?://\S+/accounts/email/confirm/\S+/", mail.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_new_address_takes_effect_only_through_the_mailed_link(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    assert "/accounts/email/" in client.get("/me/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/email/", {"new_email": "new@example.org", "password": PASSWORD}
        )
    assert response.status_code == 200
    (mail,) = mailoutbox
    assert mail.to == ["new@example.org"]
    member.user.refresh_from_db()
    assert member.user.email == "old@example.org"  # not yet
    path = _path(_link(mail))
    page = client.get(path)
    assert page.status_code == 200 and "new@example.org" in page.content.decode()
    member.user.refresh_from_db()
    assert member.user.email == "old@example.org"  # a GET changes nothing
    assert client.post(path)["Location"] == "/me/"
    member.user.refresh_from_db()
    assert member.user.email == "new@example.org"
    assert SecurityEvent.objects.filter(
        action="email_change", user=member.user, success=True
    ).exists()
    # The link works once.
    assert client.post(path).status_code == 400
    assert "已使用或已失效" in client.get(path).content.decode()


def test_wrong_password_changes_nothing_and_sends_nothing(client, member, mailoutbox):
    client.force_login(member.user)
    response = client.post(
        "/accounts/email/", {"new_email": "new@example.org", "password": "wrong"}
    )
    assert response.status_code == 400
    assert "当前密码不正确" in response.content.decode()
    assert mailoutbox == []


def test_link_of_another_account_or_forged_or_expired_is_refused(
    client, member, tree, settings
):
    other = MemberFactory(organization=tree["b"])
    token = email_change.make_token(other.user, "x@example.org")
    client.force_login(member.user)
    for bad, message in (
        (token, "不属于当前登录的账号"),
        ("forged-token", "确认链接无效"),
        (token[:-3] + "abc", "确认链接无效"),
    ):
        response = client.post(f"/accounts/email/confirm/{bad}/")
        assert response.status_code == 400
        assert message in response.content.decode()
    other.user.refresh_from_db()
    assert other.user.email != "x@example.org"
    expired = signing.dumps(
        {"u": member.user.pk, "e": "late@example.org", "o": "old@example.org"},
        salt=email_change.SALT,
    )
    settings.PORTAL_EMAIL_CHANGE_LINK_SECONDS = -1
    response = client.get(f"/accounts/email/confirm/{expired}/")
    assert "已过期" in response.content.decode()


def test_confirmation_mails_are_rate_limited(client, member, mailoutbox, settings):
    settings.PORTAL_EMAIL_CHANGE_REQUESTS = (2, 3600)
    client.force_login(member.user)
    statuses = [
        client.post(
            "/accounts/email/", {"new_email": f"n{i}@example.org", "password": PASSWORD}
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_anonymous_visitors_are_sent_to_login(client, db):
    assert client.get("/accounts/email/")["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/email/confirm/abc/")["Location"].startswith(
        "/accounts/login/"
    )
