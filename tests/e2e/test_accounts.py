"""Accounts in the browser: a 组织管理员 imports members and prints their activation
codes, a member activates on a phone; a member resets a forgotten password through
the mail the site writes to files; the admin is refused outside its scope."""

import io
import re
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from members.models import ActivationCode, Member
from tests.members.factories import (
    MemberFactory,
    make_staff_user,
)

from .conftest import DESKTOP, PHONE
from .steps import sign_in

NEW_PASSWORD = "Hongqi#2026go"
IMPORT_CSV = (
    "姓名,党员编号,手机号,组织编码,党内职务,入党日期\n"
    "周国平,HX00101,13905310101,E-A,书记,1998-07-01\n"
    "吴秀兰,HX00102,13905310102,E-A,组织委员,2006-06-18\n"
    "郑海涛,HX00103,13905310103,E-A-1,党员,2012-10-09\n"
).encode()


@pytest.fixture
def site_address(settings, live_server):
    """The site's own address is the live server's (sheets, QR codes, mail links)."""
    settings.PORTAL_BASE_URL = live_server.url
    return live_server.url


def shoot_both(page, screenshot, name):
    """Screenshots at phone and desktop width of the page as it is."""
    for label, viewport in [("390", PHONE), ("1366", DESKTOP)]:
        page.set_viewport_size(viewport)
        screenshot(page, f"{name}-{label}")


def test_branch_admin_imports_prints_codes_and_member_activates_on_phone(
    new_page, branches, site_address, screenshot
):
    make_staff_user("宣传员", scope=branches["a"], username="xc_a")
    admin = new_page(viewport=DESKTOP, accept_downloads=True)
    sign_in(admin, "xc_a")

    # Import the branch's 党员名单.
    admin.goto(reverse("members_members:import"))
    admin.locator("input[name=file]").set_input_files(
        {"name": "党员名单.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV}
    )
    admin.get_by_role("button", name="导入").click()
    admin.wait_for_selector(".import-summary")
    assert "新增 3" in admin.locator(".import-summary").inner_text()

    # The member listing says they are not activated yet.
    admin.goto(reverse("members_members:index"))
    assert admin.locator("table.listing tbody").inner_text().count("未激活") == 3

    # The branch's row menu: 签发激活码.
    admin.goto(reverse("members_organizations:index"))
    row = admin.locator("tr", has_text="总装车间党支部").first
    row.get_by_role("button").last.click()
    admin.get_by_role("link", name="签发激活码").first.click()
    admin.wait_for_url("**/members/activation/organization/**")
    assert "3</strong> 人尚未激活账号" in admin.content()
    screenshot(admin, "issue-form")
    admin.get_by_role("button", name="签发并显示激活码").click()
    admin.wait_for_selector("[data-testid=code-card]")

    cards = admin.locator("[data-testid=code-card]")
    assert cards.count() == 3
    shown = dict(
        zip(
            cards.locator("[data-testid=member-no]").all_inner_texts(),
            cards.locator("[data-testid=code]").all_inner_texts(),
            strict=True,
        )
    )
    assert set(shown) == {"HX00101", "HX00102", "HX00103"}
    assert f"{site_address}/accounts/activate/" in cards.first.inner_text()
    assert cards.first.locator("svg").count() == 1

    with admin.expect_download() as download_info:
        admin.get_by_role("link", name="下载 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = list(
        load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert {row[1]: row[4] for row in rows[1:]} == shown

    shoot_both(admin, screenshot, "code-sheet")
    admin.emulate_media(media="print")
    admin.set_viewport_size(DESKTOP)
    screenshot(admin, "code-sheet-print")
    admin.emulate_media(media="screen")

    # The codes are not shown again anywhere; the listing now says they are pending.
    admin.goto(reverse("members_members:index"))
    listing = admin.locator("table.listing tbody").inner_text()
    assert listing.count("待激活") == 3
    # Re-issuing for one member goes through the listing's bulk action.
    admin.locator("table.listing tbody input[type=checkbox]").first.check()
    footer = admin.locator("[data-bulk-action-footer]")
    footer.get_by_role("link", name="签发激活码").wait_for()
    admin.wait_for_timeout(400)  # the footer slides in
    screenshot(admin, "member-list")
    footer.get_by_role("link", name="签发激活码").click()
    admin.wait_for_url("**/bulk/members/member/issue_activation/**")
    assert "将为以下 1 名党员签发" in admin.content()
    screenshot(admin, "bulk-confirm")
    admin.get_by_role("link", name="取消").click()
    assert not any(code in admin.content() for code in shown.values())

    # 郑海涛 scans the QR code on his slip with a phone: the link carries the code.
    phone = new_page(viewport=PHONE)
    phone.goto(f"{site_address}/accounts/activate/#code={shown['HX00103']}")
    assert phone.get_by_label("激活码").input_value() == shown["HX00103"]
    assert "#code" not in phone.url  # dropped from the address bar and history
    phone.get_by_label("党员编号或手机号").fill("HX00103")
    screenshot(phone, "activation-390")
    phone.get_by_label("设置密码").fill(NEW_PASSWORD)
    phone.get_by_label("再次输入密码").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="激活并登录").click()
    phone.wait_for_url(f"{site_address}/me/")  # lands in the personal centre
    assert phone.locator(".topbar__user").inner_text().startswith("郑海涛")
    # 账号已激活 is his first notification, counted beside his name.
    assert phone.get_by_test_id("unread-count").inner_text() == "1"
    assert "账号已激活" in phone.locator(".messages").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "activated-390")

    # The same slip does not work twice; the answer reveals nothing.
    other = new_page(viewport=PHONE)
    other.goto("/accounts/activate/")
    other.get_by_label("党员编号或手机号").fill("HX00103")
    other.get_by_label("激活码").fill(shown["HX00103"])
    other.get_by_label("设置密码").fill(NEW_PASSWORD)
    other.get_by_label("再次输入密码").fill(NEW_PASSWORD)
    other.get_by_role("button", name="激活并登录").click()
    other.wait_for_selector(".form-errors")
    assert "账号信息或激活码不正确" in other.locator(".form-errors").inner_text()
    screenshot(other, "activation-failed-390")
    other.set_viewport_size(DESKTOP)
    other.goto("/accounts/activate/")
    screenshot(other, "activation-1366")

    member = Member.objects.get(member_no="HX00103")
    assert member.user.check_password(NEW_PASSWORD)
    assert ActivationCode.objects.filter(status="used").count() == 1


def test_branch_admin_is_refused_outside_the_branch_and_for_staff(
    new_page, branches, screenshot
):
    make_staff_user("宣传员", scope=branches["a"], username="xc_a")
    outsider = MemberFactory(organization=branches["b"], real_name="董长青")
    reviewer = make_staff_user("审核员", username="shenhe")
    staff = MemberFactory(user=reviewer, organization=branches["a"], real_name="张卫东")
    page = new_page(viewport=DESKTOP)
    sign_in(page, "xc_a")

    response = page.goto(
        reverse("members_activation_organization", args=[branches["b"].pk])
    )
    assert response.status == 403
    assert page.get_by_role("heading", name="无权访问").is_visible()

    bulk = reverse(
        "wagtail_bulk_action", args=["members", "member", "issue_activation"]
    )
    response = page.goto(f"{bulk}?id={outsider.pk}")
    assert response.status == 403
    assert "不在您管理的党组织范围内" in page.content()

    response = page.goto(f"{bulk}?id={staff.pk}")
    assert response.status == 403
    assert "「张卫东」的账号具有管理权限" in page.content()
    screenshot(page, "refused-staff")
    assert not ActivationCode.objects.exists()


def _wait_for_mail(folder: Path, deadline: float = 10.0) -> str:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        files = sorted(folder.glob("*.log"))
        if files:
            return files[0].read_text()
        time.sleep(0.1)
    raise AssertionError(f"no mail written under {folder}")


def test_member_resets_a_forgotten_password_through_the_mail_file(
    new_page, branches, site_address, settings, tmp_path, screenshot
):
    mail_dir = tmp_path / "var" / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    member = MemberFactory(organization=branches["a"], real_name="吴秀兰")
    member.user.email = "wuxiulan@hongxing.example"
    member.user.save()

    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="忘记密码").click()
    page.wait_for_url("**/accounts/password/reset/")
    shoot_both(page, screenshot, "reset-form")
    page.set_viewport_size(PHONE)
    page.get_by_label("电子邮件").fill("WuXiuLan@hongxing.example")
    page.get_by_role("button", name="发送重置链接").click()
    page.wait_for_url("**/accounts/password/reset/sent/")
    assert "请查收邮件" in page.locator("h1").inner_text()
    shoot_both(page, screenshot, "reset-sent")

    mail = _wait_for_mail(mail_dir)
    assert "To: wuxiulan@hongxing.example" in mail
    link = re.search(rf"{re.escape(site_address)}/accounts/password/reset/\S+", mail)
    assert link, mail
    page.set_viewport_size(PHONE)
    page.goto(link.group(0))
    page.wait_for_url("**/set-password/")
    shoot_both(page, screenshot, "reset-confirm")
    page.set_viewport_size(PHONE)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("新密码确认").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    page.wait_for_url("**/accounts/password/reset/complete/")
    shoot_both(page, screenshot, "reset-complete")

    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="登录", exact=True).last.click()
    page.get_by_label("用户名").fill(member.user.username)
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    assert page.locator(".topbar__user").inner_text().startswith("吴秀兰")
    # The reset is told to her as a notification (and mailed, in case it was not her).
    assert page.get_by_test_id("unread-count").inner_text() == "1"
    assert len(list(mail_dir.glob("*.log"))) == 2
    assert get_user_model().objects.get(pk=member.user.pk).check_password(NEW_PASSWORD)
