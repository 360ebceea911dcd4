"""A member signs in and out on the public site; wrong passwords lock the account."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from .conftest import PHONE

PASSWORD = "Zhibu#2026ok"


@pytest.fixture
def member(transactional_db):
    return get_user_model().objects.create_user(
        "sunming", password=PASSWORD, first_name="明", last_name="孙"
    )


def _login(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_member_logs_in_and_out(new_page, member, screenshot):
    page = new_page(viewport=PHONE)
    _login(page, "sunming", PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_role("button", name="退出").is_visible()
    screenshot(page, "logged-in")
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="登录").is_visible()
    # The admin stays closed to members.
    _login(page, "sunming", PASSWORD)
    page.goto("/admin/")
    assert "/admin/login/" in page.url


def test_six_wrong_passwords_lock_the_account(page, member, screenshot):
    for _ in range(4):
        _login(page, "sunming", "Wrong#pass1")
        summary = page.get_by_role("alert")
        # The error summary, focused after the failed submit (issue 14, point 4) by
        # site.js, which runs after the page is parsed: expect() waits for it.
        assert "请输入一个正确的用户名和密码" in summary.inner_text()
        expect(page.locator("[data-error-summary]")).to_be_focused()
    for _ in range(2):
        _login(page, "sunming", "Wrong#pass1")
        assert "账号已锁定" in page.get_by_role("alert").inner_text()
    # Even the right password is refused while locked.
    _login(page, "sunming", PASSWORD)
    assert "账号已锁定" in page.locator("h1").inner_text()
    screenshot(page, "locked")
