"""A failed submit on a phone starts at the error summary, whose links lead to the
fields (issue 14, point 4)."""

import pytest
from playwright.sync_api import expect

from mailbox.models import Letter, Mailbox

from .conftest import PHONE


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"


def test_failed_letter_focuses_the_summary_and_links_each_field(
    db, new_page, screenshot
):
    Mailbox.objects.create(name="党委书记信箱", reply_days=5)
    page = new_page(viewport=PHONE)
    page.goto("/mailbox/write/")
    page.check("input[name=letter_type][value=consult]")
    page.fill("input[name=subject]", "关于食堂的咨询")
    # No content, no name or contact for a 咨询, privacy not accepted: sent anyway.
    page.locator("form.mb-form button[type=submit]").last.click()
    summary = page.locator("[data-error-summary]")
    # Focused by site.js once the page is parsed: expect() waits for it.
    expect(summary).to_be_focused()
    assert summary.is_visible()
    box = summary.bounding_box()
    assert box and box["y"] < PHONE["height"], "the summary is on the first screen"
    links = summary.locator("a")
    assert links.count() >= 2
    labels = " ".join(links.all_inner_texts())
    assert "内容" in labels and "真实姓名" in labels
    # Following an error's link lands in its field.
    summary.locator("a", has_text="内容").first.click()
    expect(page.locator("[name=content]")).to_be_focused()
    assert page.input_value("input[name=subject]") == "关于食堂的咨询"
    screenshot(page, "summary-390")
    assert not Letter.objects.exists()
