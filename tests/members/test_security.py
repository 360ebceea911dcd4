"""Login security: password policy, lockout, sessions, audit log, admin access."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from members.middleware import IdleTimeoutMiddleware
from members.models import SecurityEvent

from .factories import PASSWORD, make_site_admin

LOGIN_URL = "/accounts/login/"


@pytest.fixture
def site_admin(db):
    return make_site_admin(username="guanli")


def _fail(client, username, times, ip="10.0.0.1"):
    responses = []
    for _ in range(times):
        responses.append(
            client.post(
                LOGIN_URL,
                {"username": username, "password": "wrong-Password-1"},
                REMOTE_ADDR=ip,
            )
        )
    return responses


@pytest.mark.parametrize(
    "password",
    ["Short1!", "alllowercase1", "ALLUPPERCASE1", "abc12345678", "Password123"],
)
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize(
    "password", ["Zhibu#2026ok", "hongxing-Dangjian", "Qz7mWp2xLr"]
)
def test_strong_passwords_are_accepted(password):
    validate_password(password)


def test_password_similar_to_username_is_rejected(db):
    user = get_user_model()(username="wanglihong2026")
    with pytest.raises(ValidationError):
        validate_password("Wanglihong2026", user=user)


def test_member_logs_in_and_session_key_rotates(client, member_user):
    client.get(LOGIN_URL)
    client.session.save()
    before = client.session.session_key
    response = client.post(LOGIN_URL, {"username": "zhangsan", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(member_user.pk)


def test_logout_really_ends_the_session(client, member_user):
    client.post(LOGIN_URL, {"username": "zhangsan", "password": PASSWORD})
    old_cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    client.cookies["sessionid"] = old_cookie
    response = client.get("/")
    assert response.wsgi_request.user.is_anonymous


def test_sixth_attempt_is_locked_out_with_chinese_message(client, member_user):
    responses = _fail(client, "zhangsan", 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    locked = client.post(
        LOGIN_URL,
        {"username": "zhangsan", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert locked.status_code == 429
    assert "账号已锁定" in locked.content.decode()
    assert SecurityEvent.objects.filter(action="lockout", username="zhangsan").exists()


def test_unknown_and_known_accounts_get_identical_answers(client, member_user):
    known = _fail(client, "zhangsan", 1, ip="10.0.0.3")[0]
    unknown = _fail(client, "nobody-here", 1, ip="10.0.0.4")[0]
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    # Unknown accounts are locked out the same way.
    _fail(client, "nobody-here", 4, ip="10.0.0.5")
    locked_unknown = _fail(client, "nobody-here", 1, ip="10.0.0.6")[0]
    _fail(client, "zhangsan", 4, ip="10.0.0.7")
    locked_known = _fail(client, "zhangsan", 1, ip="10.0.0.8")[0]
    assert locked_unknown.status_code == locked_known.status_code == 429
    assert locked_unknown.content == locked_known.content


def test_five_failures_from_one_ip_lock_that_ip(client, member_user):
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        _fail(client, name, 1, ip="10.9.9.9")
    response = client.post(
        LOGIN_URL,
        {"username": "zhangsan", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429
    elsewhere = client.post(
        LOGIN_URL,
        {"username": "zhangsan", "password": PASSWORD},
        REMOTE_ADDR="10.1.1.1",
    )
    assert elsewhere.status_code == 302


def test_spoofed_forwarded_for_does_not_dodge_the_ip_lock(client, member_user):
    for n in range(5):
        client.post(
            LOGIN_URL,
            {"username": f"x{n}", "password": "wrong-Password-1"},
            REMOTE_ADDR="10.8.8.8",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        LOGIN_URL,
        {"username": "zhangsan", "password": PASSWORD},
        REMOTE_ADDR="10.8.8.8",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


def test_login_events_are_audited_without_secrets(client, member_user):
    _fail(client, "zhangsan", 1, ip="10.0.0.9")
    client.post(
        LOGIN_URL,
        {"username": "zhangsan", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.9")
    actions = list(
        SecurityEvent.objects.order_by("timestamp", "pk").values_list(
            "action", "username", "ip_address", "success"
        )
    )
    assert actions == [
        ("login_failed", "zhangsan", "10.0.0.9", False),
        ("login", "zhangsan", "10.0.0.9", True),
        ("logout", "zhangsan", "10.0.0.9", True),
    ]
    for event in SecurityEvent.objects.all():
        assert "Password" not in event.detail
        assert PASSWORD not in event.detail


def test_role_changes_are_audited_with_the_actor(client, site_admin, member_user):
    group, _ = Group.objects.get_or_create(name="宣传员")
    client.force_login(site_admin)
    edit_url = f"/admin/users/edit/{member_user.pk}/"
    form = client.get(edit_url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "groups"}
    data.update(
        {
            "username": member_user.username,
            "email": "zhangsan@example.com",
            "first_name": "三",
            "last_name": "张",
            "is_active": "on",
            "groups": [group.pk],
        }
    )
    response = client.post(edit_url, data, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 302, response.context["form"].errors
    events = SecurityEvent.objects.filter(
        action="group_change", detail__startswith="zhangsan"
    )
    assert [e.detail for e in events] == ["zhangsan 加入 宣传员"]
    event = events.get()
    assert event.username == "guanli"
    assert event.ip_address == "10.2.2.2"
    assert "zhangsan" in event.detail and "宣传员" in event.detail


def test_admin_session_ends_after_thirty_idle_minutes(client, staff_user, settings):
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[IdleTimeoutMiddleware.session_key] = int(time.time()) - (
        settings.PORTAL_SESSION_IDLE_TIMEOUT + 60
    )
    session.save()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/").status_code == 302
    assert SecurityEvent.objects.filter(action="idle_timeout").exists()


def test_members_never_get_into_the_admin(client, member_user):
    client.force_login(member_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_security_log_is_for_site_admins_only(client, site_admin, staff_user):
    SecurityEvent.objects.create(action="login", username="someone")
    client.force_login(staff_user)
    assert client.get("/admin/security_log/").status_code in {302, 403}
    client.force_login(site_admin)
    response = client.get("/admin/security_log/")
    assert response.status_code == 200
    assert "someone" in response.content.decode()
    event = SecurityEvent.objects.get(username="someone")
    assert client.get(f"/admin/security_log/edit/{event.pk}/").status_code in {302, 403}
    assert client.get(f"/admin/security_log/delete/{event.pk}/").status_code in {
        302,
        403,
    }


def test_oversized_request_gets_a_chinese_400(db, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(LOGIN_URL, {"username": "x" * 5000, "password": "y"})
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_public_pages_forbid_inline_scripts_but_the_admin_allows_its_own(client, db):
    public = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self';" in public + ";"
    assert "unsafe-inline" not in public.split("script-src")[1].split(";")[0]
    admin = client.get("/admin/login/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in admin.split("script-src")[1].split(";")[0]
