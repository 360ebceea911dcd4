"""Browser steps that many e2e tests take: signing in and checking the page fits.

sign_in(page, "pe_staff")               # signed in (session cookie), nothing opened
assert fits(phone)                      # no sideways scrolling at this width
number, code = write_letter(phone, "党费基数如何核定")   # on /mailbox/write/
answer_letter(handler, leader, letter, "……")  # drafted, then signed off
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect


def sign_in(page, username: str) -> None:
    """Sign the page's browser in as username, as a finished login leaves it: a
    session made by Django's login() (the idle timer starts and the security log
    records the login, members.signal_handlers) and its cookie in the page's context.
    Nothing is opened: the test goes where it means to go next. The login forms
    themselves are driven in test_members_login.py and test_accounts.py."""
    client = Client()
    client.force_login(
        get_user_model().objects.get(username=username),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": page.base_url}]
    )


def fits(page) -> bool:
    """Whether the page fits its viewport's width (nothing to scroll sideways)."""
    return (
        page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    )


def write_letter(page, subject: str, *, attachment=None) -> tuple[str, str]:
    """Send the mailbox's letter form, open on the page: a 咨询 from 孙明 (13912345678)
    asking whether bonuses count towards 党费; return its tracking number and query
    code from the receipt."""
    page.get_by_label("咨询").check()
    page.get_by_label("标题").fill(subject)
    page.get_by_label("内容").fill("请问绩效奖金是否计入党费缴纳基数？")
    if attachment is not None:
        page.locator("input[name=attachments]").set_input_files(str(attachment))
    page.get_by_label("真实姓名").fill("孙明")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("我已阅读并同意上述个人信息保护说明").check()
    page.get_by_role("button", name="提交来信").click()
    number = page.get_by_test_id("tracking-number").inner_text().strip()
    return number, page.get_by_test_id("query-code").inner_text().strip()


def answer_letter(handler, leader, letter, reply: str) -> None:
    """The handler, on the letter's admin page, accepts it and drafts the reply; the
    leader opens the letter and signs the reply off (both pages signed in)."""
    handler.get_by_role("button", name="受理").click()
    expect(handler.get_by_test_id("admin-status")).to_contain_text("已受理")
    handler.get_by_label("拟写答复（提交后由领导签发）").fill(reply)
    handler.get_by_role("button", name="提交领导签发").click()
    expect(handler.get_by_test_id("admin-status")).to_contain_text("办理中")
    leader.goto(f"/admin/mailbox/letters/{letter.pk}/")
    leader.get_by_role("button", name="签发", exact=True).click()
    expect(leader.get_by_test_id("admin-status")).to_contain_text("已答复")
