"""A reader finds policy documents in the library and sees the words highlighted."""

import pytest

from tests.library.conftest import corpus_records, write_jsonl

from .conftest import DESKTOP, PHONE
from .steps import fits


@pytest.fixture
def library(demo_library, tmp_path):
    """The demo library and 30 corpus documents; the first document's record."""
    from library.importers import import_documents

    records = corpus_records(30)
    import_documents(write_jsonl(tmp_path / "docs.jsonl", records))
    return records[0]


def test_reader_searches_filters_and_sees_highlights(new_page, library, screenshot):
    page = new_page(viewport=DESKTOP)
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="文件库"
    ).click()
    page.wait_for_url("**/wenjianku/")

    # A two-character word.
    page.locator("#search-q").fill("党费")
    page.locator(".search-form__submit").click()
    page.wait_for_url("**q=*")
    titles = page.locator(".search-result__title")
    assert "红星集团党费收缴、使用和管理办法" in titles.all_inner_texts()
    assert page.locator(".search-result__snippet mark").first.inner_text() == "党费"

    # Traditional characters find the simplified text.
    page.locator("#search-q").fill("黨費")
    page.locator(".search-form__submit").click()
    page.wait_for_url("**%E9%BB%A8*")
    assert "红星集团党费收缴、使用和管理办法" in titles.all_inner_texts()
    assert page.locator("#search-q").input_value() == "黨費"

    # Filter by 发文机关, then by year.
    page.locator('[data-facet="issuer"] a', has_text="中共红星集团委员会").click()
    page.wait_for_url("**issuer=*")
    page.locator('[data-facet="year"] a', has_text="2025年").click()
    page.wait_for_url("**year=2025*")
    assert titles.all_inner_texts() == ["红星集团党费收缴、使用和管理办法"]
    assert page.locator(".active-filters").inner_text().count("×") == 2
    screenshot(page, "filtered")

    # Open the result: the words are marked in context.
    titles.first.get_by_role("link").click()
    page.wait_for_url("**/demo-hx-2025-12/?q=*")
    marks = page.locator(".policy-doc__body mark.hl")
    assert marks.count() >= 10
    assert marks.first.inner_text() == "党费"
    paragraph = page.locator(".policy-doc__body p", has=page.locator("mark.hl")).first
    assert "党费" in paragraph.inner_text() and len(paragraph.inner_text()) > 20
    assert "处匹配" in page.locator(".highlight-bar").inner_text()
    assert page.locator("[data-validity]").inner_text().endswith("现行有效")
    page.get_by_role("link", name="跳到第一处").click()
    assert page.locator("#hl-1").is_visible()
    screenshot(page, "document")


def test_library_and_document_fit_a_phone(new_page, library, screenshot):
    page = new_page(viewport=PHONE)
    page.goto("/wenjianku/?q=%E5%85%9A%E8%B4%B9")
    assert page.locator(".search-result").count() >= 2
    assert not page.locator("[data-collapse-on-phone]").evaluate("d => d.open")
    assert fits(page)
    screenshot(page, "results-phone")
    page.locator(".search-result__title a").first.click()
    page.wait_for_load_state()
    assert page.locator(".policy-meta").is_visible()
    assert fits(page)
    screenshot(page, "document-phone")
    page.goto(f"/wenjianku/{library['id']}/")
    assert page.locator("h1").inner_text() == library["title"]
    assert fits(page)
