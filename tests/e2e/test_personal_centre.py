"""The personal centre in a browser: a letter written while signed in is followed
from /me/, its reply arrives as a notification counted in the header (issue 13)."""

import pytest
from playwright.sync_api import expect

from mailbox import services
from mailbox.models import Letter
from members.roles import LEADER, MAILBOX_HANDLER
from tests.mailbox.factories import BoardCategoryFactory, MailboxFactory
from tests.members.factories import MemberFactory, make_staff_user

from .conftest import DESKTOP, PHONE
from .steps import answer_letter, fits, sign_in, write_letter


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"


@pytest.fixture
def people(branches):
    handler = make_staff_user(MAILBOX_HANDLER, username="pc_handler")
    box = MailboxFactory(
        name="党委书记信箱",
        handlers=[handler],
        leaders=[make_staff_user(LEADER, username="pc_leader")],
    )
    member = MemberFactory(
        real_name="孙明",
        organization=branches["a"],
        party_post="宣传委员",
        phone="13912345678",
        user__username="pc_member",
        user__email="sunming@example.org",
    )
    BoardCategoryFactory(name="党建工作")
    return {"handler": handler, "member": member, "box": box}


def test_letter_followed_from_me_and_reply_notified(new_page, people, screenshot):
    phone = new_page(viewport=PHONE)
    sign_in(phone, "pc_member")
    phone.goto("/mailbox/write/")
    number, _ = write_letter(phone, "党费基数如何核定")
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
    assert fits(phone)
    screenshot(phone, "me-before-reply-390")

    # Staff answer in the admin: the handler drafts, the leader signs off.
    handler = new_page(viewport=DESKTOP)
    sign_in(handler, "pc_handler")
    handler.goto(f"/admin/mailbox/letters/{letter.pk}/")
    leader = new_page(viewport=DESKTOP)
    sign_in(leader, "pc_leader")
    answer_letter(handler, leader, letter, "绩效奖金不计入党费基数，按月工资收入计算。")

    # Any page now shows one unread notification beside the member's name.
    phone.goto("/")
    expect(phone.get_by_test_id("unread-count")).to_have_text("1")
    phone.locator(".topbar__user").click()
    expect(phone.get_by_test_id("my-letters")).to_contain_text("已答复")
    notices = phone.locator("#notifications .notice--unread")
    expect(notices).to_have_count(1)
    expect(notices).to_contain_text("您的来信已答复")
    assert "绩效奖金不计入" not in notices.inner_text()  # the reply stays behind
    assert fits(phone)
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
    assert fits(phone)
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
    sign_in(desktop, "pc_member")
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
    sign_in(page, "pc_handler")
    page.goto("/")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.goto("/me/")
    expect(page.locator("#notifications")).to_contain_text("收到新来信")
    assert "食堂就餐建议" not in page.locator("#notifications").inner_text()
    expect(page.get_by_role("link", name="进入管理后台")).to_be_visible()
    assert fits(page)
    screenshot(page, "me-staff-390")
