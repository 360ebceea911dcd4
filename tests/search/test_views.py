import datetime

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from search.models import QueryStat, Synonym
from search.query import parse
from search.registry import SearchSource, register

from .conftest import doc


class PolicyStub(SearchSource):
    """A registered type so the views know the label and facets of "policy"."""

    type = "policy"
    label = "政策文件"
    facet_labels = {"issuer": "发文机关", "year": "年份"}


class NewsStub(SearchSource):
    type = "news"
    label = "新闻"
    facet_labels = {"branch": "党组织", "year": "年份"}


@pytest.fixture
def indexed(default_backend, db, restore_sources):
    register(PolicyStub)
    register(NewsStub)
    default_backend.upsert(
        [
            doc(
                "policy:1",
                "关于按时交纳党费的通知",
                "全体党员应当按时交纳党费。依照国发〔2016〕31号执行。",
                external_id="lr-0001",
                date=datetime.date(2016, 3, 1),
                facets={"issuer": "机关党委", "year": "2016"},
                extra={"doc_number": "党发〔2016〕1号"},
            ),
            doc(
                "news:2",
                "第一党支部开展三会一课",
                "支部组织三会一课，学习党费收缴规定。",
                date=datetime.date(2023, 5, 4),
                facets={"branch": "第一党支部", "year": "2023"},
            ),
        ]
        + [
            doc(
                f"news:{i}",
                f"党建动态第{i}期",
                "本期介绍党建工作。",
                facets={"year": "2024"},
            )
            for i in range(10, 35)
        ]
    )
    yield default_backend


def test_search_page_shows_highlighted_results_with_type_facet(client, indexed):
    response = client.get("/search/", {"q": "党费"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "找到 <strong>2</strong> 条结果" in html
    assert "关于按时交纳<mark>党费</mark>的通知" in html
    assert 'value="党费"' in html
    assert "政策文件" in html and "新闻" in html
    assert "search/search.css" in html and "search/typeahead.js" in html


def test_type_facet_filters_results_and_keeps_other_counts(client, indexed):
    response = client.get("/search/", {"q": "党费", "type": "news"})
    context = response.context
    assert [h["type"] for h in context["hits"]] == ["news"]
    type_group = next(g for g in context["facets"] if g["name"] == "type")
    assert {e["value"]: e["count"] for e in type_group["values"]} == {
        "policy": 1,
        "news": 1,
    }
    assert next(e for e in type_group["values"] if e["value"] == "news")["selected"]


def test_no_results_page_offers_suggestions_and_tips(client, indexed):
    response = client.get("/search/", {"q": "三会"})
    assert response.context["results"].total >= 1
    response = client.get("/search/", {"q": "shyk"})
    html = response.content.decode()
    assert "没有找到" in html
    assert "搜索小提示" in html
    assert "第一党支部开展三会一课" in response.context["did_you_mean"]


def test_results_keep_the_full_width_when_there_is_no_facet_column(client, indexed):
    """Without facets (no hits) the results are not squeezed into the facet column's
    240 px (issue 14, point 5); with facets the two columns stay."""
    html = client.get("/search/", {"q": "shyk"}).content.decode()
    assert "没有找到" in html
    assert 'class="search-body"' in html and "search-body--facets" not in html
    html = client.get("/search/", {"q": "党费"}).content.decode()
    assert 'class="search-body search-body--facets"' in html


def test_search_page_facet_column_is_the_shared_template(client, indexed):
    """The library renders the same template with its own summary and phone
    collapse (issue 14, code point 3); the search page keeps its defaults."""
    response = client.get("/search/", {"q": "党费"})
    assert "search/includes/facets.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert '<aside class="search-facets" aria-label="筛选">' in html
    assert '<details class="search-facets__toggle" open>' in html
    assert "<summary>筛选结果</summary>" in html and 'data-facet="type"' in html
    assert "data-collapse-on-phone" not in html


def test_pagination_links_and_page_two(client, indexed):
    response = client.get("/search/", {"q": "党建", "sort": "date"})
    assert response.context["results"].num_pages == 3
    assert any(link.get("number") == 3 for link in response.context["pages"])
    second = client.get("/search/", {"q": "党建", "sort": "date", "page": 2})
    assert len(second.context["hits"]) == 10
    assert second.context["first_number"] == 11


def test_bad_dates_and_long_queries_give_chinese_warnings(client, indexed):
    response = client.get("/search/", {"q": "党" * 300, "from": "2024-13-45"})
    assert response.status_code == 200
    warnings = response.context["criteria"].warnings
    assert warnings == [
        "搜索词过长，只使用了前 100 个字。",
        "起始日期格式不正确，应为“年-月-日”，例如 2024-01-31；已忽略此条件。",
    ]
    assert len(response.context["criteria"].q) == 100
    html = response.content.decode()
    assert all(f"<li>{warning}</li>" in html for warning in warnings)


def test_api_returns_contract_shape(client, indexed):
    response = client.get("/api/search", {"q": "党费", "type": "policy"})
    data = response.json()
    assert response.status_code == 200
    assert data["total"] == 1
    result = data["results"][0]
    assert set(result) == {"type", "title", "url", "snippet", "date", "external_id"}
    assert result == {
        "type": "policy",
        "title": "关于按时交纳党费的通知",
        "url": "/policy/1/",
        "snippet": result["snippet"],
        "date": "2016-03-01",
        "external_id": "lr-0001",
    }
    assert "<mark>党费</mark>" in result["snippet"]
    assert data["facets"]["issuer"] == [{"value": "机关党委", "count": 1}]


def test_api_caps_page_size_and_rejects_empty_requests(client, indexed):
    data = client.get("/api/search", {"q": "党建", "page_size": 1000}).json()
    assert data["page_size"] == 50
    response = client.get("/api/search")
    assert response.status_code == 400
    assert "搜索词" in response.json()["error"]


def test_api_external_id_is_null_for_other_types(client, indexed):
    data = client.get("/api/search", {"q": "三会一课"}).json()
    assert data["results"][0]["external_id"] is None


def test_suggest_endpoint_matches_pinyin_initials(client, indexed):
    data = client.get("/search/suggest", {"q": "shhyk"}).json()
    assert "第一党支部开展三会一课" in data["suggestions"]
    assert client.get("/search/suggest", {"q": ""}).json()["suggestions"] == []


def test_synonyms_edited_by_staff_apply_at_query_time(client, indexed):
    Synonym.objects.update_or_create(
        term="党费", defaults={"alternatives": "党组织经费"}
    )
    indexed.upsert([doc("news:90", "党组织经费管理", "关于党组织经费的使用。")])
    data = client.get("/api/search", {"q": "党费"}).json()
    assert "/news/90/" in [r["url"] for r in data["results"]]


def test_queries_are_logged_with_zero_result_counts(client, indexed):
    client.get("/search/", {"q": "党费"})
    client.get("/search/", {"q": "党费"})
    client.get("/search/", {"q": "完全不存在"})
    client.get("/search/", {"q": "党费", "page": 2})
    popular = list(QueryStat.objects.popular())
    assert popular[0]["query"] == "党费" and popular[0]["searches"] == 2
    assert [row["query"] for row in QueryStat.objects.zero_results()] == ["完全不存在"]


def test_editors_picks_show_above_results(client, indexed, home_page):
    query = Query.get("党费")
    SearchPromotion.objects.create(
        query=query, page=home_page, description="党费交纳标准与方式", sort_order=0
    )
    html = client.get("/search/", {"q": "党费"}).content.decode()
    assert "推荐" in html and "党费交纳标准与方式" in html


def test_demo_picks_only_pages_never_another_type_with_the_same_number(
    default_backend, db, restore_sources, home_page
):
    """The demo's editor's pick for 党费 had been the home page: a board message's
    hit (board:3) was looked up as Page 3 (issue 14, point 7)."""
    from wagtail.models import Page

    from mailbox.models import BoardMessage
    from search.demo import _promote

    class BoardStub(SearchSource):
        type = "board"
        label = "留言"
        model = BoardMessage

    class PageStub(SearchSource):
        type = "news"
        label = "新闻"
        model = Page

    register(BoardStub)
    register(PageStub)
    article = home_page.add_child(instance=Page(title="党费交纳标准", slug="dangfei"))
    default_backend.upsert(
        [
            doc(f"board:{home_page.pk}", "党费党费党费", "党费怎么交？党费标准？"),
            doc(f"news:{article.pk}", "党费交纳标准", "按月交纳党费。"),
        ]
    )
    assert default_backend.search(parse("党费")).hits[0].key.startswith("board:")
    assert _promote("党费")
    promotion = SearchPromotion.objects.get(query__query_string="党费")
    assert promotion.page_id == article.pk


@pytest.mark.parametrize("value", ["²", "1\x00", "9" * 40, "<script>", "2024-02-30"])
def test_hostile_values_in_every_parameter_still_search(client, indexed, value):
    """The form ignores what it cannot use: the page and the API answer 200, the
    page with the dates' messages (a NUL in a date is a bad date too)."""
    names = ["q", "page", "page_size", "sort", "mode", "scope", "from", "to"]
    params = {**dict.fromkeys(names, value), "type": value, "issuer": value}
    response = client.get("/search/", params)
    assert response.status_code == 200
    criteria = response.context["criteria"]
    assert (criteria.page, criteria.page_size, criteria.sort) == (1, 10, "relevance")
    assert criteria.date_from is None and criteria.date_to is None
    assert len(criteria.warnings) == 2 and "截止日期格式不正确" in criteria.warnings[1]
    response = client.get("/api/search", params)
    assert response.status_code == 200
    assert len(response.json()["warnings"]) == 2


def test_demo_pick_is_made_once_even_if_the_best_match_changes(
    default_backend, db, restore_sources, home_page
):
    """`make run` loads the demo again each time; with Elasticsearch after the embedded
    engine the best match for 党费 was another page, and the query got a second pick."""
    from wagtail.models import Page

    from search.demo import _promote

    class PageStub(SearchSource):
        type = "news"
        label = "新闻"
        model = Page

    register(PageStub)
    first = home_page.add_child(instance=Page(title="党费交纳标准", slug="dangfei"))
    second = home_page.add_child(instance=Page(title="党费收缴检查", slug="jiancha"))
    default_backend.upsert([doc(f"news:{first.pk}", "党费交纳标准", "按月交纳党费。")])
    assert _promote("党费")
    default_backend.delete([f"news:{first.pk}"])
    default_backend.upsert([doc(f"news:{second.pk}", "党费收缴检查", "党费党费。")])
    assert _promote("党费")
    picks = SearchPromotion.objects.filter(query__query_string="党费")
    assert list(picks.values_list("page_id", flat=True)) == [first.pk]


@pytest.mark.django_db
def test_an_index_that_cannot_be_opened_answers_503_and_keeps_the_query(
    client, settings, tmp_path
):
    """The embedded engine's own failure (here: its folder is a file), as a real
    outage shows it: 503 in Chinese, the words still in the box, one click to retry."""
    from search.backends.base import reset_backends

    (tmp_path / "not-a-folder").write_text("")
    settings.PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": tmp_path / "not-a-folder" / "index.sqlite3",
        }
    }
    reset_backends()
    try:
        response = client.get("/search/", {"q": "党费缴纳", "type": "policy"})
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        page = response.content.decode()
        assert "搜索服务暂时不可用" in page
        assert 'name="q" placeholder="搜索新闻、文件、课程" value="党费缴纳"' in page
        assert (
            'href="/search/?q=%E5%85%9A%E8%B4%B9%E7%BC%B4%E7%BA%B3&amp;type=policy">重新搜索'
            in page
        )

        hostile = client.get("/search/", {"q": "<script>" + "党" * 10_000})
        assert hostile.status_code == 503
        assert "<script>党" not in hostile.content.decode()
        assert 'value="&lt;script&gt;' + "党" * 92 + '"' in hostile.content.decode()
        assert client.get("/").status_code == 200
    finally:
        reset_backends()
