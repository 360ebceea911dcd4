"""Browser flows of the mailbox and the board, at phone and desktop widths."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from mailbox.models import BoardMessage, Letter
from members.roles import LEADER, MAILBOX_HANDLER, REVIEWER
from tests.mailbox.factories import MailboxFactory
from tests.members.factories import MemberFactory, make_staff_user

from .conftest import DESKTOP, PHONE
from .steps import answer_letter, fits, sign_in, write_letter


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"


@pytest.fixture
def people(db):
    MailboxFactory(
        name="党委书记信箱",
        handlers=[make_staff_user(MAILBOX_HANDLER, username="e2e_handler")],
        leaders=[make_staff_user(LEADER, username="e2e_leader")],
    )
    make_staff_user(REVIEWER, username="e2e_reviewer")
    MemberFactory(real_name="孙明", user__username="e2e_member")


def _png_file(tmp_path):
    path = tmp_path / "现场照片.png"
    Image.new("RGB", (120, 80), (180, 20, 20)).save(path)
    return path


def test_letter_with_attachment_is_answered_signed_off_tracked_and_rated(
    new_page, people, screenshot, tmp_path
):
    writer = new_page(viewport=PHONE)
    sign_in(writer, "e2e_member")
    writer.goto("/mailbox/write/")
    assert fits(writer)
    screenshot(writer, "write-phone")
    number, code = write_letter(
        writer, "党费基数如何核定", attachment=_png_file(tmp_path)
    )
    assert re.fullmatch(r"\d{8}-[0-9A-Z]{4}-[0-9A-Z]{5}", number)
    assert code not in writer.url and number not in writer.url
    assert fits(writer)
    screenshot(writer, "receipt-phone")
    writer.reload()
    assert "本页已失效" in writer.content()
    letter = Letter.objects.get(tracking_number=number)
    assert letter.attachments.count() == 1

    handler = new_page(viewport=DESKTOP)
    sign_in(handler, "e2e_handler")
    handler.goto("/admin/mailbox/letters/")
    handler.get_by_role("link", name=number).click()
    leader = new_page(viewport=DESKTOP)
    sign_in(leader, "e2e_leader")
    answer_letter(handler, leader, letter, "绩效奖金不计入党费基数，按月工资收入计算。")
    screenshot(handler, "handler-desktop")

    tracker = new_page(viewport=PHONE)
    tracker.goto("/mailbox/track/")
    tracker.get_by_label("信件编号").fill(number)
    tracker.get_by_label("查询码").fill("AAAA-BBBB-CCCC-DDDD")
    tracker.get_by_role("button", name="查询").click()
    expect(tracker.locator(".form-errors")).to_contain_text("信件编号或查询码不正确")
    tracker.get_by_label("信件编号").fill(number)
    tracker.get_by_label("查询码").fill(code)
    tracker.get_by_role("button", name="查询").click()
    expect(tracker.get_by_test_id("letter-status")).to_contain_text("已答复")
    assert "按月工资收入计算" in tracker.get_by_test_id("reply-body").inner_text()
    assert fits(tracker)
    screenshot(tracker, "track-phone")
    tracker.get_by_label("满意", exact=True).check()
    tracker.get_by_role("button", name="提交评价").click()
    expect(tracker.locator(".messages")).to_contain_text("感谢您的评价")
    letter.refresh_from_db()
    assert letter.satisfaction == "satisfied"

    desktop = new_page(viewport=DESKTOP)
    desktop.goto("/mailbox/write/")
    screenshot(desktop, "write-desktop")


def test_board_message_is_invisible_until_reviewer_approves_and_replies(
    new_page, people, screenshot
):
    author = new_page(viewport=PHONE)
    sign_in(author, "e2e_member")
    author.goto("/mailbox/board/new/")
    author.get_by_label("标题").fill("建议开设周末党课")
    author.get_by_label("内容").fill("工作日时间紧，希望周末也能参加党课。")
    author.get_by_role("button", name="提交留言").click()
    author.wait_for_load_state()
    errors = author.locator(".form-errors, .errorlist")
    assert errors.count() == 0, errors.all_inner_texts()
    author.wait_for_url("**/mailbox/board/mine/")
    expect(author.locator(".messages")).to_contain_text("审核通过后公开显示")
    assert "待审核" in author.content()
    assert fits(author)
    screenshot(author, "board-mine-phone")

    visitor = new_page(viewport=PHONE)
    visitor.goto("/mailbox/board/")
    assert "建议开设周末党课" not in visitor.content()

    reviewer = new_page(viewport=DESKTOP)
    sign_in(reviewer, "e2e_reviewer")
    reviewer.goto("/admin/mailbox/board/")
    card = reviewer.locator("section.mba-card", has_text="建议开设周末党课")
    card.get_by_role("button", name="审核通过").click()
    reviewer.get_by_text("操作已完成。").wait_for()
    reviewer.goto("/admin/mailbox/board/?tab=all")
    card = reviewer.locator("section.mba-card", has_text="建议开设周末党课")
    card.get_by_label("公开回复").fill("已安排每月第一个周六上午开设党课。")
    card.get_by_role("button", name="保存回复").click()
    reviewer.get_by_text("操作已完成。").wait_for()
    screenshot(reviewer, "board-review-desktop")
    assert BoardMessage.objects.get().status == "approved"

    visitor.goto("/mailbox/board/")
    assert "建议开设周末党课" in visitor.content()
    assert "已安排每月第一个周六上午开设党课。" in visitor.content()
    assert fits(visitor)
    screenshot(visitor, "board-phone")
    desktop = new_page(viewport=DESKTOP)
    desktop.goto("/mailbox/board/")
    screenshot(desktop, "board-desktop")
