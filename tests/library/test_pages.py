import re

import pytest

from library import demo
from library.models import PolicyDocumentPage


@pytest.fixture
def demo_library(library_page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    return library_page


def _titles(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", t)
        for t in re.findall(r'class="search-result__title"><a [^>]*>(.*?)</a>', html)
    ]


def _facet_count(html: str, label: str) -> int:
    match = re.search(
        rf'facet__label">{label}</span><span class="facet__count">(\d+)<', html
    )
    return int(match.group(1)) if match else 0


@pytest.mark.django_db
def test_library_is_in_the_main_menu(client, demo_library):
    html = client.get("/").content.decode()
    assert f'href="{demo_library.url}"' in html and "文件库" in html


@pytest.mark.django_db
def test_library_lists_documents_newest_first_with_facet_counts(client, demo_library):
    response = client.get(demo_library.url)
    html = response.content.decode()
    assert response.status_code == 200
    titles = _titles(html)
    assert titles[0] == "集团党风廉政建设责任制实施办法"
    assert len(titles) == len(demo.DOCUMENTS)
    assert _facet_count(html, "中共红星集团委员会") == 6
    assert _facet_count(html, "已废止") == 1


@pytest.mark.django_db
def test_filters_by_year_and_validity_narrow_the_list(client, demo_library):
    html = client.get(demo_library.url, {"year": "2025"}).content.decode()
    assert _facet_count(html, "2025年") == 2
    assert sorted(_titles(html)) == sorted(
        ["红星集团党费收缴、使用和管理办法", "红星集团党支部“三会一课”制度实施细则"]
    )
    html = client.get(demo_library.url, {"validity": "已废止"}).content.decode()
    assert _titles(html) == ["红星集团党支部组织生活若干规定"]
    assert "效力：已废止" in html


@pytest.mark.django_db
def test_subcategory_filter_and_category_tree(client, demo_library):
    html = client.get(demo_library.url, {"category": "党的建设"}).content.decode()
    assert len(_titles(html)) == 5
    assert "facet__list--sub" in html
    html = client.get(
        demo_library.url, {"category": "党的建设/党费管理"}
    ).content.decode()
    assert _titles(html) == ["红星集团党费收缴、使用和管理办法"]


@pytest.mark.django_db
def test_keyword_search_goes_through_the_engine_with_highlights(client, demo_library):
    html = client.get(demo_library.url, {"q": "党费"}).content.decode()
    assert _titles(html)[0] == "红星集团党费收缴、使用和管理办法"
    assert "<mark>党费</mark>" in html
    assert "?q=%E5%85%9A%E8%B4%B9" in html


@pytest.mark.django_db
def test_traditional_characters_find_simplified_documents(client, demo_library):
    html = client.get(demo_library.url, {"q": "黨費"}).content.decode()
    assert "红星集团党费收缴、使用和管理办法" in _titles(html)


@pytest.mark.django_db
def test_search_with_filter_and_no_results_help(client, demo_library):
    html = client.get(
        demo_library.url, {"q": "党费", "validity": "已废止"}
    ).content.decode()
    assert _titles(html) == []
    assert "没有找到与“党费”相关的结果" in html
    assert "搜索小提示" in html


@pytest.mark.django_db
def test_document_page_shows_metadata_validity_and_attachment(client, demo_library):
    page = PolicyDocumentPage.objects.get(external_id="demo-hx-2025-12")
    html = client.get(page.url).content.decode()
    for text in (
        "红星党发〔2025〕12号",
        "HX-DW-2025-00012",
        "党的建设/党费管理",
        "2025年6月20日",
        "2025年6月28日",
        "data-validity",
        "现行有效",
        "党费交纳比例对照表",
    ):
        assert text in html
    assert re.search(r'href="/documents/\d+/[^"]+\.docx" download', html)


@pytest.mark.django_db
def test_arriving_from_search_highlights_terms_in_context(client, demo_library):
    page = PolicyDocumentPage.objects.get(external_id="demo-hx-2025-12")
    html = client.get(page.url, {"q": "黨費"}).content.decode()
    assert '<mark class="hl" id="hl-1">党费</mark>' in html
    assert "处匹配" in html
    assert html.count('class="hl"') >= 10


@pytest.mark.django_db
def test_match_inside_an_attachment_is_shown(client, demo_library):
    page = PolicyDocumentPage.objects.get(external_id="demo-hx-2025-08")
    html = client.get(page.url, {"q": "整理归档"}).content.decode()
    assert "出现在附件中" in html
    assert "<mark>整理归档</mark>" in html


@pytest.mark.django_db
def test_demo_load_is_idempotent(demo_library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = demo.load()
    assert "新建演示文件 0 篇" in summary
    assert PolicyDocumentPage.objects.count() == len(demo.DOCUMENTS)


@pytest.mark.django_db
def test_library_still_browses_when_the_search_engine_is_down(
    client, demo_library, settings
):
    from search.backends.base import reset_backends

    settings.PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": "/proc/no-such-dir/index.sqlite3",
        }
    }
    reset_backends()
    response = client.get(demo_library.url, {"validity": "已废止"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "全文检索暂时不可用" in html
    assert _titles(html) == ["红星集团党支部组织生活若干规定"]
    reset_backends()


@pytest.mark.django_db
def test_library_facets_are_the_search_apps_template(client, demo_library):
    """One facet column for site search and the library (issue 14, code point 3):
    the library passes its summary, class and phone collapse to search's template."""
    response = client.get(demo_library.url)
    used = [t.name for t in response.templates]
    assert "search/includes/facets.html" in used
    assert not [name for name in used if name.startswith("library/includes/")]
    html = response.content.decode()
    assert '<aside class="search-facets library-facets" aria-label="筛选">' in html
    assert '<details class="search-facets__toggle" open data-collapse-on-phone>' in html
    assert "<summary>筛选文件</summary>" in html
    assert 'data-facet="issuer"' in html
