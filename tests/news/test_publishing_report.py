"""新闻发布统计 on Wagtail's ReportView (issue 14, code point 1): who may open it and
its exports, the year and table filters, each table's export, bad links."""

import pytest
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
from tests.members.factories import OrganizationFactory, make_staff_user
from tests.members.reports import assert_refused, csv_rows
from tests.news.factories import make_article

URL = "/admin/news/stats/"
URLS = [
    URL,
    URL + "results/",
    URL + "?export=csv",
    URL + "?table=freshness&export=xlsx",
]


@pytest.fixture
def articles(news_index, columns, branch):
    other = OrganizationFactory(parent=branch.get_parent(), name="第二党支部")
    make_article(news_index, "一", branch=branch, days_ago=0)
    make_article(news_index, "二", branch=branch, column=columns["lilun"], days_ago=0)
    make_article(news_index, "三", branch=other, days_ago=0)
    make_article(
        news_index, "旧", branch=other, column=columns["jingyan"], days_ago=400
    )
    return branch, other


@pytest.mark.parametrize("role", [SITE_ADMIN, PUBLICIST, REVIEWER])
def test_roles_with_the_right_open_the_report_and_its_exports(client, articles, role):
    client.force_login(make_staff_user(role))
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
    assert SecurityEvent.objects.filter(action="export").count() == 2


@pytest.mark.parametrize("role", [SCHOOL_ADMIN, MAILBOX_HANDLER, LEADER, MEMBER])
def test_other_roles_get_403_on_the_report_and_its_exports(client, articles, role):
    client.force_login(make_staff_user(role))
    assert_refused(
        client,
        URLS,
        role=role,
        message="您没有查看新闻发布统计的权限",
        hidden="第一党支部",
    )


def test_anonymous_is_sent_to_log_in(client, db):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_each_table_exports_the_columns_it_shows(client, articles, columns):
    client.force_login(make_staff_user(REVIEWER))
    month = timezone.localdate().month
    months = [f"{n}月" for n in range(1, 13)]

    rows = csv_rows(client.get(URL + "?export=csv"))
    assert rows[0] == ["排名", "党组织", *months, "合计"]
    assert [row[:2] + row[-1:] for row in rows[1:]] == [
        ["1", "第一党支部", "2"],
        ["2", "第二党支部", "1"],
    ]
    assert rows[1][1 + month] == "2"

    rows = csv_rows(client.get(URL + "?table=columns&export=csv"))
    assert rows[0] == ["栏目", *months, "合计"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["要闻"][-1] == "2" and by_name["理论学习"][-1] == "1"
    assert by_name["经验交流"][-1] == "0"  # its article is 400 days old

    response = client.get(URL + "?table=freshness&export=csv")
    rows = csv_rows(response)
    assert rows[0] == ["栏目", "最近发布", "距今天数", "更新周期", "状态"]
    by_name = {row[0]: row for row in rows[1:]}
    assert (
        by_name["要闻"][2:] == ["0 天", "7 天", "正常"] or by_name["要闻"][4] == "正常"
    )
    assert by_name["通知公告"][1:3] == ["从未发布", "—"]
    assert by_name["通知公告"][4] == "更新不及时"
    assert by_name["经验交流"][4] == "更新不及时"
    event = SecurityEvent.objects.filter(action="export").order_by("pk").last()
    assert event.detail == "导出新闻发布统计-栏目更新情况（CSV）"

    old = (timezone.now() - timezone.timedelta(days=400)).year
    rows = csv_rows(client.get(URL + f"?year={old}&export=csv"))
    assert [row[:2] + row[-1:] for row in rows[1:]] == [["1", "第二党支部", "1"]]


def test_the_page_shows_the_year_total_and_the_stale_columns_on_every_table(
    client, articles
):
    client.force_login(make_staff_user(PUBLICIST))
    year = timezone.localdate().year
    for table in ("branches", "columns", "freshness"):
        html = client.get(URL + f"?table={table}").content.decode()
        assert f"{year} 年共发布 3 篇" in html
        stale = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
        assert "通知公告" in stale and "要闻" not in stale
    html = client.get(URL + "?table=columns").content.decode()
    assert f"各栏目发稿情况（{year} 年，按月）" in html


@pytest.mark.parametrize(
    "query", ["year=1999", "year=" + "9" * 25, "table=all", "year=2026%00", "table=长"]
)
def test_a_forged_link_is_answered_400_in_chinese(client, articles, query):
    client.force_login(make_staff_user(SITE_ADMIN))
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert "参数" in response.content.decode()
