"""A reader searches the site on a phone: highlights, type facet, type-ahead by pinyin."""

import datetime

import pytest

from search.backends import get_backend
from search.documents import SearchDocument
from search.registry import SearchSource, register

from .conftest import DESKTOP, PHONE


class PolicyLabels(SearchSource):
    type = "policy"
    label = "政策文件"
    facet_labels = {"issuer": "发文机关"}


class NewsLabels(SearchSource):
    type = "news"
    label = "新闻"


@pytest.fixture
def indexed(restore_sources):
    register(PolicyLabels)
    register(NewsLabels)
    backend = get_backend()
    backend.rebuild(
        [
            SearchDocument(
                key="policy:1",
                type="policy",
                title="关于按时交纳党费的通知",
                body="全体党员应当按时交纳党费。党费标准依照国发〔2016〕31号执行。",
                url="/policy-1/",
                date=datetime.date(2016, 3, 1),
                facets={"issuer": "机关党委", "year": "2016"},
                extra={"doc_number": "党发〔2016〕1号", "issuer": "机关党委"},
            ),
            SearchDocument(
                key="news:2",
                type="news",
                title="第一党支部落实三会一课制度",
                body="支部按期召开党员大会，并检查党费收缴情况。",
                url="/news-2/",
                date=datetime.date(2023, 5, 4),
                facets={"year": "2023"},
            ),
        ]
    )
    yield backend
    backend.clear()


def test_reader_finds_highlighted_results_and_filters_by_type_on_a_phone(
    indexed, new_page, screenshot
):
    page = new_page(viewport=PHONE)
    page.goto("/search/?q=黨費")
    assert page.locator(".search-summary").inner_text().startswith("找到 2 条结果")
    assert page.locator(".search-result__title mark").first.inner_text() == "党费"
    assert page.locator("#search-q").input_value() == "黨費"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "phone-results")
    page.locator(".facet__link", has_text="新闻").click()
    page.wait_for_url("**type=news**")
    assert page.locator(".search-result").count() == 1
    assert "三会一课" in page.locator(".search-result__title").inner_text()


def test_type_ahead_suggests_titles_from_pinyin_initials(indexed, new_page, screenshot):
    page = new_page(viewport=DESKTOP)
    page.goto("/search/")
    page.locator("#search-q").press_sequentially("shhyk", delay=30)
    option = page.locator("#search-suggest-list li", has_text="三会一课")
    option.first.wait_for(state="visible")
    screenshot(page, "typeahead")
    option.first.click()
    page.wait_for_url("**/search/?q=**")
    assert page.locator(".search-result").count() == 1


def test_no_results_page_gives_help(indexed, new_page):
    page = new_page(viewport=PHONE)
    page.goto("/search/?q=不存在的词语")
    assert "没有找到" in page.locator(".search-summary").inner_text()
    assert page.locator(".search-help").is_visible()
