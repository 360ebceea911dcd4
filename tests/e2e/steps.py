"""Browser steps that many e2e tests take: signing in and checking the page fits.

sign_in(page, "pe_staff", admin=True)   # the admin's login form, lands on /admin/
sign_in(phone, "pe0")                   # the site's login form, leaves it signed in
assert fits(phone)                      # no sideways scrolling at this width
number, code = write_letter(phone, "党费基数如何核定")   # on /mailbox/write/
answer_letter(handler, leader, letter, "……")  # drafted, then signed off
"""

from playwright.sync_api import expect

from tests.members.factories import PASSWORD


def sign_in(page, username: str, *, admin: bool = False) -> None:
    """Sign in with the test password and wait until the login page is left behind."""
    page.goto("/admin/login/" if admin else "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    if admin:
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url("**/admin/")
    else:
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)


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
