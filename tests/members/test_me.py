"""/me/, the personal centre, per role; the notification pages behind it."""

import pytest
from django.urls import reverse

from mailbox import services as mailbox_services
from notifications.models import Notification
from notifications.service import notify
from tests.mailbox.conftest import letter_data
from tests.mailbox.factories import MailboxFactory

from .factories import MemberFactory, UserFactory, make_staff_user


@pytest.fixture
def member(tree):
    return MemberFactory(
        organization=tree["a"],
        real_name="甲支部党员",
        phone="13811112222",
        party_post="组织委员",
        user__email="jia@example.org",
    )


@pytest.fixture
def box(db):
    return MailboxFactory(name="党委书记信箱")


def test_anonymous_visitors_are_sent_to_login(client, db):
    for url in ("/me/", "/me/notifications/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    for url in ("/me/notifications/read-all/", "/me/notifications/preferences/"):
        assert client.post(url)["Location"].startswith("/accounts/login/")


def test_member_sees_profile_study_letters_posts_and_notifications(client, member, box):
    letter, _ = mailbox_services.submit_letter(
        letter_data(box), files=[], ip="192.0.2.1", user=member.user
    )
    client.force_login(member.user)
    response = client.get("/me/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    for text in (
        "甲支部党员",
        "甲党支部",
        "组织委员",
        "138****2222",
        "jia@example.org",
    ):
        assert text in page
    assert "13811112222" not in page
    for title in (
        "个人信息",
        "账号安全",
        "我的学习",
        "我的来信",
        "我的留言",
        "我的通知",
    ):
        assert title in page
    assert letter.tracking_number in page and "待受理" in page
    assert reverse("mailbox:my_letter", args=[letter.tracking_number]) in page
    assert "进入管理后台" not in page
    assert 'href="/me/"' in page  # the name in the header


def test_staff_see_the_admin_link_and_no_study_section_without_a_profile(client, db):
    staff = make_staff_user("审核员", username="shenhe")
    client.force_login(staff)
    page = client.get("/me/").content.decode()
    assert "进入管理后台" in page
    assert "我的学习" not in page.split("</header>", 2)[-1]
    assert "留言待审核" in page  # staff kinds offered in the preferences


def test_members_are_not_offered_staff_kinds(client, member):
    client.force_login(member.user)
    page = client.get("/me/").content.decode()
    assert "留言待审核" not in page and "来信已答复" in page


def test_writer_opens_own_letter_without_a_query_code(client, member, box):
    letter, _ = mailbox_services.submit_letter(
        letter_data(box), files=[], ip="192.0.2.1", user=member.user
    )
    client.force_login(member.user)
    response = client.get(reverse("mailbox:my_letter", args=[letter.tracking_number]))
    assert response["Location"] == reverse("mailbox:track")
    page = client.get(response["Location"]).content.decode()
    assert letter.subject in page and "待受理" in page


def test_another_account_cannot_open_the_letter(client, member, box, tree):
    letter, _ = mailbox_services.submit_letter(
        letter_data(box), files=[], ip="192.0.2.1", user=member.user
    )
    other = MemberFactory(organization=tree["a"])
    client.force_login(other.user)
    url = reverse("mailbox:my_letter", args=[letter.tracking_number])
    assert client.get(url).status_code == 404
    assert client.get(reverse("mailbox:my_letter", args=["x\x00"])).status_code == 404
    assert letter.subject not in client.get(reverse("mailbox:track")).content.decode()


def test_notification_list_mark_read_and_count_in_header(client, member, tree):
    other = MemberFactory(organization=tree["b"])
    (mine,) = notify(
        [member.user], "letter_replied", title="您的来信已答复", url="/me/"
    )
    (theirs,) = notify([other.user], "letter_replied", title="别人的通知")
    notify([member.user], "letter_finished", title="您的来信已办结")
    client.force_login(member.user)
    home = client.get("/").content.decode()
    assert 'data-testid="unread-count"' in home and "2 条未读通知" in home
    page = client.get("/me/notifications/").content.decode()
    assert "您的来信已答复" in page and "别人的通知" not in page
    # Someone else's notification: 404, and nothing changes.
    assert client.post(f"/me/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/me/notifications/{theirs.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.get(f"/me/notifications/{mine.pk}/read/").status_code == 405
    response = client.post(f"/me/notifications/{mine.pk}/open/")
    assert response["Location"] == "/me/"
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert "1 条未读通知" in client.get("/").content.decode()
    client.post("/me/notifications/read-all/")
    assert "unread-count" not in client.get("/").content.decode()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_redirects_only_to_this_site(client, member):
    (note,) = notify([member.user], "letter_replied", title="t")
    client.force_login(member.user)
    response = client.post(
        f"/me/notifications/{note.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/me/notifications/"
    # Not a path: never looked up as a view name or followed.
    for target in ("1", "me", "//evil.example/", "/a\x00b", "长" * 10000):
        (note,) = notify([member.user], "letter_replied", title="t")
        response = client.post(f"/me/notifications/{note.pk}/read/", {"next": target})
        assert response.status_code == 302, target[:20]
        assert response["Location"] in ("/me/notifications/", target)
        response = client.post("/me/notifications/read-all/", {"next": target})
        assert response.status_code == 302


def test_preferences_are_saved_per_kind(client, member):
    client.force_login(member.user)
    response = client.post(
        "/me/notifications/preferences/",
        {"email": ["letter_finished", "board_pending", "nonsense"], "next": "/me/"},
    )
    assert response["Location"] == "/me/"
    from notifications.service import email_enabled

    assert email_enabled(member.user, "letter_finished") is True
    assert email_enabled(member.user, "letter_replied") is False
    # A staff-only kind is not the member's to set.
    assert not member.user.notification_preferences.filter(
        kind="board_pending"
    ).exists()


def test_hostile_parameters_get_a_chinese_400(client, member):
    client.force_login(member.user)
    for query in ("?page=9999999999999999999999", "?show=x", "?page=%00"):
        response = client.get("/me/notifications/" + query)
        assert response.status_code == 400


def test_a_forced_password_change_still_lets_the_account_reach_only_the_change_page(
    client, member
):
    from members.accounts.services import require_password_change

    require_password_change(member.user)
    client.force_login(member.user)
    assert client.get("/me/")["Location"] == "/accounts/password/change/"


def test_a_user_without_profile_gets_a_page_too(client, db):
    user = UserFactory(username="plain")
    client.force_login(user)
    page = client.get("/me/").content.decode()
    assert "plain" in page and "我的来信" in page


def test_page_cache_never_serves_one_accounts_count_to_another(
    client, member, tree, settings
):
    from django.core.cache import cache
    from django.test import Client

    from home.models import SiteSettings

    settings.PORTAL_PAGE_CACHE_SECONDS = 600
    SiteSettings.objects.get_or_create()
    cache.clear()
    notify([member.user], "letter_replied", title="一")
    notify([member.user], "letter_replied", title="二")
    anonymous = Client()
    assert anonymous.get("/")["X-Page-Cache"] == "miss"
    assert anonymous.get("/")["X-Page-Cache"] == "hit"
    client.force_login(member.user)
    mine = client.get("/")
    assert mine.get("X-Page-Cache") != "hit"
    assert "2 条未读通知" in mine.content.decode()
    other = Client()
    other.force_login(MemberFactory(organization=tree["b"]).user)
    theirs = other.get("/").content.decode()
    assert "unread-count" not in theirs and "甲支部党员" not in theirs
    assert "unread-count" not in anonymous.get("/").content.decode()
