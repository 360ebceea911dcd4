"""The search report on Wagtail's ReportView (issue 14, code point 1): who may open
it and its export, the period and list filters, the results fragment, bad links."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from members.models import SecurityEvent
from members.roles import (
    LEADER,
    MAILBOX_HANDLER,
    MEMBER,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
    SITE_ADMIN,
)
from search.models import QueryStat

pytestmark = pytest.mark.django_db

URLS = [
    "/admin/search-report/",
    "/admin/search-report/results/",
    "/admin/search-report/?export=csv",
    "/admin/search-report/?export=xlsx",
]


def role_user(django_user_model, role):
    user = django_user_model.objects.create_user(f"u-{role}", password="pw-1234567")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize("role", [SITE_ADMIN, PUBLICIST])
def test_roles_with_the_right_open_the_report_and_its_exports(
    client, django_user_model, role
):
    QueryStat.record("党费", 5)
    client.force_login(role_user(django_user_model, role))
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
    assert SecurityEvent.objects.filter(action="export").count() == 2


@pytest.mark.parametrize(
    "role", [REVIEWER, SCHOOL_ADMIN, MAILBOX_HANDLER, LEADER, MEMBER]
)
def test_other_roles_get_403_on_the_report_and_its_exports(
    client, django_user_model, role
):
    QueryStat.record("党费", 5)
    client.force_login(role_user(django_user_model, role))
    for url in URLS:
        response = client.get(url)
        if role == MEMBER:  # no admin access at all: sent to log in
            assert response.status_code == 302, url
        else:
            assert response.status_code == 403, url
        assert "党费" not in response.content.decode()
    assert not SecurityEvent.objects.filter(action="export").exists()


def test_anonymous_is_sent_to_log_in(client):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(role_user(django_user_model, SITE_ADMIN))
    return client


def _stat(query, days_ago, searches, zero):
    QueryStat.objects.create(
        query=query,
        day=timezone.localdate() - datetime.timedelta(days=days_ago),
        searches=searches,
        zero_results=zero,
    )


def test_period_and_list_filter_the_rows_and_the_export(admin_client):
    _stat("党费", 1, 6, 0)
    _stat("党费", 40, 4, 0)
    _stat("三会一课", 2, 3, 2)
    _stat("旧词", 100, 9, 9)

    html = admin_client.get("/admin/search-report/").content.decode()
    assert "共 9 次搜索，其中 2 次没有结果（22%）" in html
    assert "旧词" not in html

    html = admin_client.get("/admin/search-report/?days=365").content.decode()
    assert "共 22 次搜索，其中 11 次没有结果（50%）" in html and "旧词" in html

    response = admin_client.get("/admin/search-report/?days=90&export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig"))))
    assert rows == [
        ["搜索词", "搜索次数", "无结果次数"],
        ["党费", "10", "0"],
        ["三会一课", "3", "2"],
    ]
    assert "filename*=utf-8''" in response["Content-Disposition"]

    response = admin_client.get("/admin/search-report/?days=365&table=zero&export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig"))))
    assert rows == [
        ["搜索词", "搜索次数", "无结果次数"],
        ["旧词", "9", "9"],
        ["三会一课", "3", "2"],
    ]
    event = SecurityEvent.objects.filter(action="export").order_by("pk").last()
    assert event.detail == "导出搜索统计-无结果的搜索词-最近一年（CSV）"


def test_a_query_that_looks_like_a_formula_is_exported_as_text(admin_client):
    _stat("=HYPERLINK(1)", 0, 1, 1)
    response = admin_client.get("/admin/search-report/?export=csv")
    text = b"".join(response).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_the_results_fragment_carries_the_table_only(admin_client):
    _stat("党费", 0, 2, 0)
    html = admin_client.get("/admin/search-report/results/?days=7").content.decode()
    assert "党费" in html and "共 2 次搜索" in html
    assert "<html" not in html


@pytest.mark.parametrize(
    "query", ["days=8", "days=" + "9" * 25, "table=all", "days=30%00", "table=长"]
)
def test_a_forged_link_is_answered_400_in_chinese(admin_client, query):
    response = admin_client.get(f"/admin/search-report/?{query}")
    assert response.status_code == 400
    assert "参数" in response.content.decode()
