"""The personal centre in a browser: a letter written while signed in is followed
from /me/, its reply arrives as a notification counted in the header (issue 13)."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from mailbox import services
from mailbox.models import BoardCategory, Letter, Mailbox
from tests.members.factories import (
    PASSWORD,
    MemberFactory,
    OrganizationFactory,
    UserFactory,
)

from .conftest import DESKTOP, PHONE


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def people(db):
    def staff(username, group):
        user = UserFactory(username=username, email=f"{username}@example.org")
        user.groups.add(Group.objects.get(name=group))
        return user

    handler, leader = staff("pc_handler", "信箱办理人"), staff("pc_leader", "领导")
    box = Mailbox.objects.create(name="党委书记信箱", reply_days=5)
    box.handlers.add(handler)
    box.leaders.add(leader)
    committee = OrganizationFactory(name="红星集团党委")
    branch = OrganizationFactory(parent=committee, name="总装车间党支部")
    member = MemberFactory(
        real_name="孙明",
        organization=branch,
        party_post="宣传委员",
        phone="13912345678",
        user__username="pc_member",
        user__email="sunming@example.org",
    )
    BoardCategory.objects.get_or_create(name="党建工作")
    return {"handler": handler, "leader": leader, "member": member, "box": box}


def _login(page, username, *, admin=False):
    page.goto("/admin/login/" if admin else "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    if admin:
        page.locator("form button[type=submit]").first.click()
    else:
        page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()


def _fits(page) -> bool:
    return (
        page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    )


def test_letter_followed_from_me_and_reply_notified(new_page, people, screenshot):
    phone = new_page(viewport=PHONE)
    _login(phone, "pc_member")
    phone.goto("/mailbox/write/")
    phone.get_by_label("咨询").check()
    phone.get_by_label("标题").fill("党费基数如何核定")
    phone.get_by_label("内容").fill("请问绩效奖金是否计入党费缴纳基数？")
    phone.get_by_label("真实姓名").fill("孙明")
    phone.get_by_label("联系电话").fill("13912345678")
    phone.get_by_label("我已阅读并同意上述个人信息保护说明").check()
    phone.get_by_role("button", name="提交来信").click()
    number = phone.get_by_test_id("tracking-number").inner_text().strip()
    letter = Letter.objects.get(tracking_number=number)
    assert letter.writer == people["member"].user

    # The name in the header opens /me/; the letter is listed with its status.
    phone.locator(".topbar__user").click()
    phone.wait_for_url("**/me/")
    letters = phone.get_by_test_id("my-letters")
    expect(letters).to_contain_text("党费基数如何核定")
    expect(letters).to_contain_text("待受理")
    assert phone.get_by_test_id("unread-count").count() == 0
    assert "139****5678" in phone.content()
    assert _fits(phone)
    screenshot(phone, "me-before-reply-390")

    # Staff answer in the admin: the handler drafts, the leader signs off.
    handler = new_page(viewport=DESKTOP)
    _login(handler, "pc_handler", admin=True)
    handler.goto(f"/admin/mailbox/letters/{letter.pk}/")
    handler.get_by_role("button", name="受理").click()
    expect(handler.get_by_test_id("admin-status")).to_contain_text("已受理")
    handler.get_by_label("拟写答复（提交后由领导签发）").fill(
        "绩效奖金不计入党费基数，按月工资收入计算。"
    )
    handler.get_by_role("button", name="提交领导签发").click()
    expect(handler.get_by_test_id("admin-status")).to_contain_text("办理中")
    leader = new_page(viewport=DESKTOP)
    _login(leader, "pc_leader", admin=True)
    leader.goto(f"/admin/mailbox/letters/{letter.pk}/")
    leader.get_by_role("button", name="签发", exact=True).click()
    expect(leader.get_by_test_id("admin-status")).to_contain_text("已答复")

    # Any page now shows one unread notification beside the member's name.
    phone.goto("/")
    expect(phone.get_by_test_id("unread-count")).to_have_text("1")
    phone.locator(".topbar__user").click()
    expect(phone.get_by_test_id("my-letters")).to_contain_text("已答复")
    notices = phone.locator("#notifications .notice--unread")
    expect(notices).to_have_count(1)
    expect(notices).to_contain_text("您的来信已答复")
    assert "绩效奖金不计入" not in notices.inner_text()  # the reply stays behind
    assert _fits(phone)
    screenshot(phone, "me-reply-notified-390")

    # 查看 marks it read and opens the letter without a query code.
    notices.get_by_role("button", name="查看").click()
    expect(phone.get_by_test_id("letter-status")).to_contain_text("已答复")
    assert "按月工资收入计算" in phone.get_by_test_id("reply-body").inner_text()
    assert phone.get_by_test_id("unread-count").count() == 0
    screenshot(phone, "my-letter-390")

    # Finished: a second notification, cleared with 全部标为已读 on the list.
    services.close_letter(Letter.objects.get(pk=letter.pk), by=people["handler"])
    phone.goto("/me/notifications/")
    expect(phone.get_by_test_id("unread-count")).to_have_text("1")
    assert _fits(phone)
    screenshot(phone, "notifications-390")
    phone.get_by_role("button", name="全部标为已读").click()
    expect(phone.locator(".messages")).to_contain_text("已将 1 条通知标为已读")
    assert phone.get_by_test_id("unread-count").count() == 0
    assert phone.locator(".notice--unread").count() == 0

    # E-mail preferences on /me/: turn 来信已办结 off.
    phone.goto("/me/#preferences")
    phone.get_by_label("来信已办结").uncheck()
    phone.get_by_role("button", name="保存设置").click()
    expect(phone.locator(".messages")).to_contain_text("通知设置已保存")
    expect(phone.get_by_label("来信已办结")).not_to_be_checked()

    desktop = new_page(viewport=DESKTOP)
    _login(desktop, "pc_member")
    desktop.goto("/me/")
    expect(desktop.get_by_test_id("my-letters")).to_contain_text("已办结")
    screenshot(desktop, "me-1366")
    desktop.goto("/me/notifications/")
    screenshot(desktop, "notifications-1366")


def test_staff_see_their_notifications_and_the_admin_link(new_page, people, screenshot):
    services.submit_letter(
        services.LetterData(
            mailbox=people["box"],
            letter_type="suggest",
            subject="食堂就餐建议",
            content="建议延长午餐供应时间。",
            privacy_accepted=True,
        ),
        files=[],
        ip="192.0.2.1",
    )
    page = new_page(viewport=PHONE)
    _login(page, "pc_handler")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.goto("/me/")
    expect(page.locator("#notifications")).to_contain_text("收到新来信")
    assert "食堂就餐建议" not in page.locator("#notifications").inner_text()
    expect(page.get_by_role("link", name="进入管理后台")).to_be_visible()
    assert _fits(page)
    screenshot(page, "me-staff-390")
