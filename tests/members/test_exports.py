"""The one export path (members.exports) and the one audit helper (record_event)."""

import csv
import io
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from members.exports import Sheet, export_bytes, export_response, safe_cell
from members.models import Member, SecurityEvent
from members.security import record_event

from .factories import (
    OrganizationFactory,
    UserFactory,
    make_site_admin,
    make_staff_user,
)
from .test_services import csv_bytes

HOSTILE = ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx", "普通文字", "a=b"]
GUARDED = ["'=1+1", "'+86", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "普通文字", "a=b"]


def a_request(user=None, ip="203.0.113.9"):
    request = RequestFactory().get("/admin/x/", REMOTE_ADDR=ip)
    request.user = user or UserFactory(username="daochu")
    return request


def table():
    return Sheet(
        headings=["名称", "=标题", "数量", "比例"],
        rows=[[HOSTILE[i], "x", i, -1.5] for i in range(len(HOSTILE))],
        title="统计表",
    )


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_safe_cell_guards_text_only():
    assert [safe_cell(v) for v in HOSTILE] == GUARDED
    assert [safe_cell(v) for v in (-2, 1.5, None, "")] == [-2, 1.5, None, ""]


@pytest.mark.django_db
def test_csv_cells_are_formula_safe_and_numbers_stay_numbers():
    response = export_response(
        a_request(), sheets=[table()], filename="统计", fmt="csv", audit="导出统计"
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == ["名称", "'=标题", "数量", "比例"]
    assert [row[0] for row in rows[1:]] == GUARDED
    assert rows[3][2:] == ["2", "-1.5"]


@pytest.mark.django_db
def test_xlsx_cells_are_text_with_the_guard_and_numbers_stay_numbers():
    response = export_response(
        a_request(), sheets=[table()], filename="统计", fmt="xlsx", audit="导出统计"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["统计表"]
    sheet = book["统计表"]
    assert [c.value for c in sheet[1]] == ["名称", "'=标题", "数量", "比例"]
    first = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in first] == GUARDED
    assert all(c.data_type == "s" for c in first)
    assert (sheet["C4"].value, sheet["C4"].data_type) == (2, "n")
    assert sheet["D4"].value == -1.5


@pytest.mark.django_db
def test_several_sheets_in_one_workbook_and_csv_refuses_them():
    sheets = [
        Sheet(["甲"], [[1]], title="第一张"),
        Sheet(["乙", "丙"], [["=x", 2]], title="第二张"),
    ]
    book = load_workbook(io.BytesIO(export_bytes(sheets, "xlsx")))
    assert book.sheetnames == ["第一张", "第二张"]
    assert [c.value for c in book["第二张"][2]] == ["'=x", 2]
    with pytest.raises(ValueError):
        export_bytes(sheets, "csv")


@pytest.mark.django_db
def test_every_export_writes_an_audit_row_with_user_and_address():
    user = UserFactory(username="tongji")
    for fmt in ("csv", "xlsx"):
        export_response(
            a_request(user),
            sheets=[table()],
            filename="学习统计",
            fmt=fmt,
            audit=f"导出学习统计（{fmt}）",
        )
    events = SecurityEvent.objects.order_by("pk")
    assert [(e.action, e.user, e.username, e.ip_address) for e in events] == [
        ("export", user, "tongji", "203.0.113.9")
    ] * 2
    assert [e.detail for e in events] == ["导出学习统计（csv）", "导出学习统计（xlsx）"]


@pytest.mark.django_db
def test_the_export_can_go_into_the_objects_history():
    organization = OrganizationFactory(name="甲党支部")
    user = UserFactory(username="shenji")
    export_response(
        a_request(user),
        sheets=[table()],
        filename="名单",
        fmt="xlsx",
        audit="导出名单",
        instance=organization,
        log_action="wagtail.edit",
        log_data={"rows": 8},
    )
    entry = ModelLogEntry.objects.get(object_id=str(organization.pk))
    assert (entry.action, entry.user, entry.data) == ("wagtail.edit", user, {"rows": 8})
    assert SecurityEvent.objects.get().ip_address == "203.0.113.9"


@pytest.mark.django_db
def test_record_event_takes_the_signed_in_user_unless_told_otherwise():
    request = a_request(UserFactory(username="zhiban"), ip="198.51.100.7")
    event = record_event(request, "export", detail="长" * 300)
    assert (event.username, event.ip_address, len(event.detail)) == (
        "zhiban",
        "198.51.100.7",
        255,
    )
    command = record_event(None, "export", username="命令行")
    assert (command.user, command.username, command.ip_address) == (
        None,
        "命令行",
        None,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_chinese_file_names_follow_rfc_6266(fmt):
    response = export_response(
        a_request(), sheets=[table()], filename="党员名单 2026", fmt=fmt, audit="导出"
    )
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''")
    assert header.isascii()
    assert unquote(header.split("''", 1)[1]) == f"党员名单 2026.{fmt}"


# Wagtail's own listings export through the same mixin.


@pytest.mark.django_db
def test_the_security_log_export_is_formula_safe_and_recorded(client):
    record_event(None, "login_failed", username='=HYPERLINK("http://x")', success=False)
    admin = make_site_admin(username="anquan")
    client.force_login(admin)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("security_log:index"), {"export": fmt})
        assert response.status_code == 200
        body = response.getvalue()
        if fmt == "csv":
            text = body.decode("utf-8-sig")
            assert '"\'=HYPERLINK(""http://x"")"' in text
            assert text.splitlines()[0].endswith("结果,说明") and ",失败," in text
        else:
            cells = [
                c for row in load_workbook(io.BytesIO(body)).active.values for c in row
            ]
            assert '\'=HYPERLINK("http://x")' in cells
    page = client.get(reverse("security_log:index")).content.decode()
    assert "失败" in page and "成功" in page and "True" not in page
    exports = SecurityEvent.objects.filter(action="export").order_by("pk")
    assert [(e.user, e.ip_address, e.detail) for e in exports] == [
        (admin, "127.0.0.1", "导出安全日志（CSV）"),
        (admin, "127.0.0.1", "导出安全日志（XLSX）"),
    ]


@pytest.mark.django_db
def test_the_site_history_export_is_recorded(client):
    admin = make_site_admin(username="lishi")
    client.force_login(admin)
    response = client.get(
        reverse("wagtailadmin_reports:site_history"), {"export": "csv"}
    )
    assert response.status_code == 200
    assert response.getvalue().startswith("\ufeff".encode())
    event = SecurityEvent.objects.get(action="export")
    assert (event.user, event.detail) == (admin, "导出站点历史（CSV）")


# Sensitive member actions in the admin go through the same helper.


@pytest.mark.django_db
def test_member_changes_and_imports_record_user_and_address(client, tree, member_a):
    staff = make_staff_user("宣传员", scope=tree["a"], username="xc_audit")
    client.force_login(staff)
    form = {
        "real_name": "新党员",
        "member_no": "",
        "organization": tree["a1"].pk,
        "party_post": "党员",
        "joined_party_on": "2020-07-01",
        "phone": "139 0000 1111",
    }
    assert client.post(reverse("members_members:add"), form).status_code == 302
    added = Member.objects.get(real_name="新党员")
    form["party_post"] = "党小组组长"
    edit = reverse("members_members:edit", args=[added.pk])
    assert client.post(edit, form).status_code == 302
    delete = reverse("members_members:delete", args=[member_a.pk])
    assert client.post(delete, {"confirm": "1"}).status_code == 302
    rows = [["导入党员", "", "13900002222", "甲党支部", "党员", ""]]
    upload = SimpleUploadedFile("名单.csv", csv_bytes(rows))
    assert (
        client.post(reverse("members_members:import"), {"file": upload}).status_code
        == 200
    )
    events = SecurityEvent.objects.filter(
        action__in=["member_change", "import"]
    ).order_by("pk")
    assert [(e.user, e.ip_address) for e in events] == [(staff, "127.0.0.1")] * 4
    assert [e.detail for e in events] == [
        "新增党员：新党员（甲一党小组）",
        "修改党员：新党员（甲一党小组）",
        "删除党员：甲支部党员（甲党支部）",
        "导入党员（名单.csv）：共 1 行：新增 1，更新 0，无变化 0，失败 0",
    ]
    assert all("1390000" not in e.detail for e in events)
