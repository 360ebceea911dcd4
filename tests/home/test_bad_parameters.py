"""The malformed inputs of issue 12 (point 6), each answered 400/404 in Chinese.

Our views parse with home.params and say which parameter was wrong; Wagtail's views
are guarded by home.middleware.MalformedInputMiddleware. The walker in
test_malformed_input.py sends such values to every URL; these tests pin the cases
found by hand and the way the answers look.
"""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse

from home.management.commands.setup_site import install_sections
from mailbox.models import Mailbox
from tests.mailbox.factories import MailboxFactory
from tests.members.factories import UserFactory, make_staff_user

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def handler_client(db):
    handler = make_staff_user("信箱办理人", username="xinxiang")
    MailboxFactory(name="党委书记信箱", handlers=[handler])
    client = Client()
    client.force_login(handler)
    client.user = handler
    return client


def test_school_catalogue_with_a_huge_category_is_a_400(client):
    install_sections()
    response = client.get("/school/", {"category": "99999999999999999999999"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "参数 category 应在 1 到 2147483647 之间" in html
    assert "<h1>请求有误</h1>" in html  # the site's frame, with its navigation
    assert client.get("/school/", {"category": "²"}).status_code == 400


def test_letter_list_with_a_25_digit_mailbox_is_a_400(handler_client):
    response = handler_client.get(reverse("mailbox_letters:index"), {"mailbox": HUGE})
    assert response.status_code == 400
    assert "参数 mailbox" in response.content.decode()
    export = handler_client.get(
        reverse("mailbox_letters:index"), {"mailbox": HUGE, "export": "csv"}
    )
    assert export.status_code == 400


@pytest.mark.parametrize("year", ["0", HUGE, "-1", "²"])
def test_mailbox_statistics_with_an_impossible_year_is_a_400(client, superuser, year):
    client.force_login(superuser)
    for export in ("", "csv"):
        response = client.get(
            reverse("mailbox_admin:statistics"), {"year": year, "export": export}
        )
        assert response.status_code == 400
        assert "参数 year" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        '{"lesson": 10000000000000000000000000, "intervals": []}',
        '{"lesson": 1e400, "intervals": []}',
        '{"lesson": 1, "intervals": ' + "[" * 50_000 + "]" * 50_000 + "}",
    ],
    ids=["lesson-10^25", "lesson-1e400", "intervals-50000-deep"],
)
def test_heartbeat_with_hostile_json_is_a_400_in_json(client, body):
    from tests.members.factories import MemberFactory

    member = MemberFactory()
    member.user.groups.add(Group.objects.get(name="党员"))
    client.force_login(member.user)
    response = client.post(
        reverse("school:heartbeat"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("进度数据格式不正确：")


def test_wagtail_view_with_a_non_numeric_id_is_guarded_into_a_400(client, superuser):
    # Wagtail's bulk actions filter pages by the ids given, unchecked: Django's
    # ValueError ("Field 'id' expected a number") becomes a 400.
    client.force_login(superuser)
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "delete"])
    response = client.get(url, {"id": "abc", "next": "/admin/"})
    assert response.status_code == 400
    assert response.malformed_input_guard == "ValueError"
    assert "参数超出范围或格式不正确" in response.content.decode()


def test_out_of_range_integer_in_a_wagtail_filter_is_a_400_or_ignored(
    client, superuser
):
    # SQLite cannot bind the owner id (OverflowError, answered 400); on PostgreSQL
    # Django finds no such owner and the filter is ignored.
    client.force_login(superuser)
    response = client.get(reverse("wagtailadmin_explore_root"), {"owner": HUGE})
    if connection.vendor == "sqlite":
        assert response.status_code == 400
        assert response.malformed_input_guard == "OverflowError"
    else:
        assert response.status_code == 200
    # The connection is still usable afterwards.
    assert client.get(reverse("wagtailadmin_explore_root")).status_code == 200


def test_next_that_is_not_a_local_path_is_dropped(superuser):
    install_sections()
    from news.models import NewsIndexPage

    page = NewsIndexPage.objects.get()
    client = Client(enforce_csrf_checks=True)  # CSRF's check parses the form
    client.force_login(superuser)
    client.get(reverse("wagtailadmin_home"))
    token = client.cookies["csrftoken"].value
    lock = reverse("wagtailadmin_pages:lock", args=[page.pk])
    for hostile in ("²", "https://evil.example/", "//evil.example/x"):
        response = client.post(lock, {"next": hostile, "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert "evil" not in response["Location"]
    unlock = reverse("wagtailadmin_pages:unlock", args=[page.pk])
    response = client.post(unlock, {"next": "/admin/", "csrfmiddlewaretoken": token})
    assert response["Location"] == "/admin/"


def test_unparsed_form_with_a_bad_next_is_a_400(client, superuser):
    # Without CSRF's parse (a token in the header), Wagtail reverses the value.
    install_sections()
    from news.models import NewsIndexPage

    client.force_login(superuser)
    page = NewsIndexPage.objects.get()
    lock = reverse("wagtailadmin_pages:lock", args=[page.pk])
    response = client.post(lock, {"next": "²"})
    assert response.status_code == 400
    assert response.malformed_input_guard == "NoReverseMatch"


def test_json_clients_get_the_reason_as_json(client):
    response = client.get("/api/search", {"q": "党建", "page": "²"})
    assert response.status_code == 200  # search ignores a bad page number
    install_sections()
    response = client.get("/school/", {"category": "x"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "参数 category 应为整数。"}


def test_nul_in_a_letter_note_is_a_400_not_a_database_error(handler_client):
    # PostgreSQL refuses NUL in text (a DataError, then a 500); SQLite stored it.
    from mailbox import services
    from tests.mailbox.conftest import letter_data

    letter, _ = services.submit_letter(
        letter_data(Mailbox.objects.get()), files=[], ip="192.0.2.1"
    )
    url = reverse("mailbox_letters:note", args=[letter.pk])
    response = handler_client.post(url, {"text": "已电话联系\x00"})
    assert response.status_code == 400
    assert "参数 text 含有不允许的字符" in response.content.decode()
    assert not letter.events.filter(action="note").exists()
    response = handler_client.post(url, {"text": "已电话联系"})
    assert response.status_code == 302


def test_login_with_a_10000_character_username_is_just_a_failed_login(client):
    # axes stores the username of each failed attempt; on PostgreSQL a name longer
    # than its column was a DataError.
    response = client.post(
        reverse("members:login"), {"username": "长" * 10_000, "password": "x"}
    )
    assert response.status_code == 200
    assert getattr(response, "malformed_input_guard", None) is None
    assert 'name="username"' in response.content.decode()  # the form, again
