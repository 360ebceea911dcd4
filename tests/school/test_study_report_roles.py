"""学习统计 on the report base (issue 14, code point 1): who may open it, each table
and its export, the ranking across pages, the org filter's scope, bad links."""

import pytest
from django.test import Client

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
from tests.members.factories import make_staff_user
from tests.members.reports import assert_refused, csv_rows

from .test_stats import YEAR, tree  # noqa: F401

URL = "/admin/school/stats/"
TABLES = ["branches", "required", "overdue", "courses", "members"]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [SCHOOL_ADMIN, LEADER])
def test_roles_with_the_right_open_every_table_and_export(tree, role):  # noqa: F811
    client = client_for(make_staff_user(role, scope=tree["committee"]))
    for table in TABLES:
        for suffix in ("", "&export=csv", "&export=xlsx"):
            url = f"{URL}?year={YEAR}&table={table}{suffix}"
            assert client.get(url).status_code == 200, url
        assert client.get(f"{URL}results/?table={table}").status_code == 200
    assert SecurityEvent.objects.filter(action="export").count() == 10


@pytest.mark.parametrize(
    "role", [SITE_ADMIN, PUBLICIST, REVIEWER, MAILBOX_HANDLER, MEMBER]
)
def test_other_roles_get_403_on_every_table_and_export(tree, role):  # noqa: F811
    client = client_for(make_staff_user(role, scope=tree["committee"]))
    urls = [
        url
        for table in TABLES
        for url in (
            f"{URL}?table={table}",
            f"{URL}results/?table={table}",
            f"{URL}?table={table}&export=csv",
        )
    ]
    assert_refused(
        client, urls, role=role, message="您没有查看学习统计的权限", hidden="第一支部"
    )


def test_each_export_keeps_its_columns_and_audit_text(tree):  # noqa: F811
    client = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree["committee"]))
    rows = csv_rows(client.get(f"{URL}?year={YEAR}&table=branches&export=csv"))
    assert rows[0] == [
        "党组织", "党员数", "参学人数", "参学率", "必修课完成率", "人均学时",
        "达标人数", "未达标人数", "评定",
    ]  # fmt: skip
    assert [row[1] for row in rows[1:]] == ["5", "3", "2"]
    response = client.get(f"{URL}?year={YEAR}&table=members&export=csv")
    assert f'filename="study-members-{YEAR}.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "姓名",
        "所在党组织",
        "党内职务",
        "学时",
        "目标学时",
        "是否参学",
        "评定",
    ]
    assert [row[0] for row in rows[1:]] == ["甲", "丙", "乙", "丁", "戊"]
    event = SecurityEvent.objects.filter(action="export").order_by("pk").last()
    assert event.detail == f"学习统计 {YEAR} members.csv"
    rows = csv_rows(client.get(f"{URL}?year={YEAR}&table=courses&export=csv"))
    assert rows[0] == ["课程", "类型", "完成人数"]


def test_the_ranking_numbers_the_members(tree):  # noqa: F811
    client = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree["committee"]))
    html = client.get(f"{URL}results/?year={YEAR}&table=members").content.decode()
    body = html.split("</thead>", 1)[1]
    rows = body.split("</tr>")[:5]
    cells = [
        [c.rsplit(">", 1)[1].strip() for c in row.split("</td>")[:2]] for row in rows
    ]
    # 40 学时 each for 甲 and 丙 (the earlier member first), then 32, 5, 0.
    assert cells == [["1", "甲"], ["2", "丙"], ["3", "乙"], ["4", "丁"], ["5", "戊"]]


def test_the_org_filter_offers_only_the_users_scope(tree):  # noqa: F811
    client = client_for(make_staff_user(LEADER, scope=tree["second"]))
    html = client.get(f"{URL}?year={YEAR}&table=members").content.decode()
    assert "丁" in html and "甲" not in html
    response = client.get(f"{URL}?year={YEAR}&org={tree['first'].pk}")
    assert response.status_code == 400 and "参数 org" in response.content.decode()
    html = client.get(f"{URL}?year={YEAR}&org={tree['second'].pk}").content.decode()
    assert "第二支部" in html and "第一支部" not in html


@pytest.mark.parametrize(
    "query", ["year=1999", "year=" + "9" * 25, "table=x", "org=" + "9" * 25, "org=²"]
)
def test_a_forged_link_is_answered_400_in_chinese(tree, query):  # noqa: F811
    client = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree["committee"]))
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert "参数" in response.content.decode()
