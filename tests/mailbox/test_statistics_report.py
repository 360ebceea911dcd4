"""信箱统计 on the report base (issue 14, code point 1): who may open it and its
export, the scope of a leader's figures, the year and group filters, bad links."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mailbox import services
from mailbox.models import Letter
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

URL = "/admin/mailbox/statistics/"
URLS = [URL, URL + "results/", URL + "?export=csv", URL + "?export=xlsx"]
HEADINGS = [
    "分组",
    "名称",
    "来信数",
    "不予受理",
    "已答复",
    "答复率%",
    "按期答复率%",
    "平均答复天数",
    "已评价",
    "满意",
    "基本满意",
    "不满意",
    "满意率%",
]


@pytest.fixture
def letters(submit, mailbox, other_mailbox, handler, leader):
    mine, _ = submit(subject="食堂排队时间太长")
    services.accept_letter(mine, by=handler)
    services.sign_off_reply(
        services.draft_reply(mine, by=handler, body="已增加窗口。"), by=leader
    )
    submit(subject="建议增设自行车棚", letter_type="suggest")
    submit(subject="别的信箱来信", mailbox=other_mailbox)
    return mine


def test_the_url_names_are_the_report_and_its_fragment():
    assert reverse("mailbox_admin:statistics") == URL
    assert reverse("mailbox_admin:statistics_results") == URL + "results/"


@pytest.mark.parametrize("role", [SITE_ADMIN, LEADER])
def test_roles_with_the_right_open_the_report_and_its_exports(client, letters, role):
    client.force_login(make_staff_user(role))
    for url in URLS:
        assert client.get(url).status_code == 200, url
    assert SecurityEvent.objects.filter(action="export").count() == 2


@pytest.mark.parametrize(
    "role", [PUBLICIST, REVIEWER, SCHOOL_ADMIN, MAILBOX_HANDLER, MEMBER]
)
def test_other_roles_get_403_on_the_report_and_its_exports(client, letters, role):
    client.force_login(make_staff_user(role))
    assert_refused(
        client,
        URLS,
        role=role,
        message="您没有查看信箱统计的权限",
        hidden="党委书记信箱",
    )


def test_a_handler_of_a_mailbox_without_the_right_gets_403(client, handler, letters):
    client.force_login(handler)
    for url in URLS:
        assert client.get(url).status_code == 403, url


def test_a_leader_counts_only_the_letters_of_the_mailboxes_they_lead(
    client, leader, letters
):
    client.force_login(leader)
    html = client.get(URL).content.decode()
    assert 'data-testid="kpi-total">2<' in html
    assert "党委书记信箱" in html and "总经理信箱" not in html
    fragment = client.get(URL + "results/").content.decode()
    first_row = fragment.split("</thead>", 1)[1].split("</tr>", 1)[0]
    cells = [c.rsplit(">", 1)[1].strip() for c in first_row.split("</td>")[:-1]]
    assert cells == [
        "合计",
        "全部",
        "2",
        "0",
        "1",
        "50.0%",
        "100.0%",
        "0.0",
        "0 / 0 / 0",
    ]
    rows = csv_rows(client.get(URL, {"export": "csv"}))
    assert rows[0] == HEADINGS
    assert rows[1][:7] == ["合计", "全部", "2", "0", "1", "50.0", "100.0"]
    assert ["信箱", "党委书记信箱"] in [row[:2] for row in rows]
    assert "总经理信箱" not in {row[1] for row in rows}
    event = SecurityEvent.objects.get(action="export")
    assert event.detail == f"信箱导出：信箱统计（{len(rows) - 1} 行，CSV）"
    assert event.user == leader


def test_year_and_group_narrow_the_rows(client, leader, letters):
    client.force_login(leader)
    year = timezone.localdate().year
    rows = csv_rows(client.get(URL, {"year": year, "group": "类型", "export": "csv"}))
    assert [row[0] for row in rows[1:]] == ["类型", "类型"]
    assert sorted(row[2] for row in rows[1:]) == ["1", "1"]
    Letter.objects.update(submitted_at=timezone.now().replace(year=year - 3))
    rows = csv_rows(client.get(URL, {"year": year, "export": "csv"}))
    assert rows[1][:3] == ["合计", "全部", "0"] and len(rows) == 2
    html = client.get(URL, {"year": year - 3, "group": "信箱"}).content.decode()
    assert 'data-testid="kpi-total">2<' in html


@pytest.mark.parametrize(
    "params",
    [{"year": "1999"}, {"year": "２０２６x"}, {"group": "部门"}, {"group": "长" * 50}],
)
def test_a_forged_link_is_answered_400_in_chinese(client, leader, letters, params):
    client.force_login(leader)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert "参数" in response.content.decode()
