"""An export in a real browser: the Chinese file name, the guarded cell, the log row."""

import csv
import io
from pathlib import Path

from django.urls import reverse
from openpyxl import load_workbook

from tests.members.factories import MemberFactory, OrganizationFactory, make_site_admin

from .conftest import DESKTOP, PHONE
from .steps import sign_in


def download(page, label: str):
    page.goto(reverse("members_members:index"))
    page.get_by_role("button", name="动作", exact=True).click()
    with page.expect_download() as info:
        page.get_by_role("link", name=label).click()
    return info.value


def test_site_admin_exports_members_and_reads_the_export_in_the_security_log(
    new_page, transactional_db, screenshot
):
    branch = OrganizationFactory(name="总装车间党支部", code="E-A")
    MemberFactory(organization=branch, real_name='=HYPERLINK("http://x","点我")')
    MemberFactory(organization=branch, real_name="罗春燕", phone="13905310402")
    make_site_admin(username="guanli")
    page = new_page(viewport=DESKTOP)
    sign_in(page, "guanli")

    csv_file = download(page, "导出 CSV")
    assert csv_file.suggested_filename == "党员名单.csv"
    text = Path(csv_file.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["姓名", "党员编号", "手机号"]
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x","点我")' in names and "罗春燕" in names
    assert ["罗春燕", "13905310402"] in [[row[0], row[2]] for row in rows[1:]]

    xlsx_file = download(page, "导出 Excel")
    assert xlsx_file.suggested_filename == "党员名单.xlsx"
    sheet = load_workbook(io.BytesIO(Path(xlsx_file.path()).read_bytes()))["党员"]
    assert sheet["A1"].value == "姓名"

    page.goto(reverse("security_log:index"))
    listing = page.locator("table.listing tbody").inner_text()
    assert listing.count("数据导出") == 2
    assert "导出党员 2 人（CSV，范围：后台）" in listing
    assert "127.0.0.1" in listing
    screenshot(page, "security-log-desktop")
    phone = new_page(viewport=PHONE)
    sign_in(phone, "guanli")
    phone.goto(reverse("security_log:index"))
    assert "导出党员 2 人（XLSX，范围：后台）" in phone.content()
    screenshot(phone, "security-log-phone")
