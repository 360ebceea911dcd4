"""Signed-in sessions end after PORTAL_SESSION_IDLE_TIMEOUT idle seconds, everywhere.

The public site, the admin and a staff member who signed in on the public form all
run on the same clock; the anonymous page cache never answers a signed-in reader, so
it cannot skip the check.
"""

import time

import pytest

from members.middleware import IdleTimeoutMiddleware
from members.models import SecurityEvent

from .factories import PASSWORD

LOGIN_URL = "/accounts/login/"
IDLE_MESSAGE = "分钟未操作，为保护账号安全已自动退出登录，请重新登录"


def _log_in(client, username):
    response = client.post(LOGIN_URL, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get(IdleTimeoutMiddleware.session_key)


def _idle_for(client, seconds):
    session = client.session
    session[IdleTimeoutMiddleware.session_key] = int(time.time()) - seconds
    session.save()


def test_the_default_idle_timeout_is_thirty_minutes_and_cookies_end_with_the_browser(
    settings,
):
    assert settings.PORTAL_SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_a_member_idle_for_31_minutes_is_logged_out_on_the_next_public_page(
    client, member_user, home_page
):
    _log_in(client, "zhangsan")
    assert "退出" in client.get("/").content.decode()
    _idle_for(client, 31 * 60)
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_anonymous
    html = response.content.decode()
    assert "30 " + IDLE_MESSAGE in html
    assert 'href="/accounts/login/"' in html
    assert client.get("/").wsgi_request.user.is_anonymous
    event = SecurityEvent.objects.get(action="idle_timeout")
    assert event.username == "zhangsan"


def test_activity_keeps_the_session(client, member_user, home_page):
    _log_in(client, "zhangsan")
    for _ in range(3):
        _idle_for(client, 25 * 60)  # 25 idle minutes, three times: 75 in all
        assert client.get("/").wsgi_request.user.is_authenticated
        assert int(time.time()) - client.session[IdleTimeoutMiddleware.session_key] < 5


def test_pages_that_need_a_login_send_an_idle_member_to_the_form(
    client, member_user, mailbox_categories
):
    _log_in(client, "zhangsan")
    _idle_for(client, 31 * 60)
    response = client.get("/mailbox/board/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_staff_signed_in_on_the_public_form_are_timed_out_in_the_admin(
    client, staff_user
):
    _log_in(client, "bianji")
    assert client.get("/admin/").status_code == 200
    _idle_for(client, 31 * 60)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_session_without_an_idle_clock_counts_as_idle(client, member_user, home_page):
    _log_in(client, "zhangsan")
    session = client.session
    del session[IdleTimeoutMiddleware.session_key]
    session.save()
    assert client.get("/").wsgi_request.user.is_anonymous


def test_the_timeout_comes_from_the_setting(client, member_user, home_page, settings):
    settings.PORTAL_SESSION_IDLE_TIMEOUT = 5 * 60
    _log_in(client, "zhangsan")
    _idle_for(client, 6 * 60)
    response = client.get("/")
    assert response.wsgi_request.user.is_anonymous
    assert "5 " + IDLE_MESSAGE in response.content.decode()


def test_the_page_cache_never_answers_a_signed_in_or_idle_member(
    client, member_user, home_page, settings
):
    from home.models import SiteSettings

    settings.PORTAL_PAGE_CACHE_SECONDS = 600
    SiteSettings.objects.get_or_create()
    anonymous = client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert "退出" not in anonymous.content.decode()
    _log_in(client, "zhangsan")
    signed_in = client.get("/")
    assert "X-Page-Cache" not in signed_in
    assert "退出" in signed_in.content.decode()
    _idle_for(client, 31 * 60)
    timed_out = client.get("/")
    assert "X-Page-Cache" not in timed_out
    assert IDLE_MESSAGE in timed_out.content.decode()
    assert SecurityEvent.objects.filter(action="idle_timeout").count() == 1


@pytest.fixture
def mailbox_categories(db):
    from mailbox.models import BoardCategory

    BoardCategory.objects.get_or_create(name="其他")
