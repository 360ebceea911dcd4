"""One contract for every engine (Elasticsearch runs when ELASTICSEARCH_URL is set)."""

import datetime

from search.documents import SearchQuery
from search.query import execute, parse

from .conftest import doc

DOCS = [
    doc(
        "policy:1",
        "关于按时交纳党费的通知",
        "全体党员应当按时交纳党费。党费标准依照国发〔2016〕31号执行，自２０１６年起施行。",
        date=datetime.date(2016, 3, 1),
        external_id="ext-1",
        facets={"issuer": "机关党委", "year": "2016", "category": ["党建/党费"]},
        extra={"doc_number": "党发〔2016〕1号"},
    ),
    doc(
        "policy:2",
        "三会一课制度实施细则",
        "支部党员大会、支部委员会和党小组会按期召开，党课每季度一次。本细则提到党费收缴情况。",
        date=datetime.date(2019, 6, 1),
        facets={"issuer": "机关党委", "year": "2019", "category": ["党建/组织生活"]},
    ),
    doc(
        "news:3",
        "第一党支部开展主题党日活动",
        "第一党支部组织党员学习两学一做，讨论民主生活会准备情况。",
        date=datetime.date(2023, 7, 1),
        facets={"year": "2023", "branch": "第一党支部"},
    ),
    doc(
        "news:4",
        "党风廉政建设工作会议召开",
        "会议部署全面从严治党和党风廉政建设任务。<script>alert(1)</script>",
        date=datetime.date(2024, 2, 1),
        facets={"year": "2024", "branch": "第二党支部"},
    ),
]


def run(backend, text, **kwargs):
    return backend.search(parse(text, **kwargs))


def keys(results):
    return [h.key for h in results.hits]


def test_upsert_then_count_and_reupsert_replaces(backend):
    assert backend.upsert(DOCS) == 4
    assert backend.count() == 4
    changed = doc(
        "policy:1", "关于按时缴纳会费的通知", "会费按月缴纳。", facets={"year": "2016"}
    )
    backend.upsert([changed])
    assert backend.count() == 4
    assert keys(run(backend, "会费")) == ["policy:1"]
    assert "policy:1" not in keys(run(backend, "按时交纳党费"))


def test_delete_removes_documents_and_ignores_unknown_keys(backend):
    backend.upsert(DOCS)
    backend.delete(["policy:1", "nothing:9"])
    assert backend.count() == 3
    assert "policy:1" not in keys(run(backend, "党费"))


def test_two_character_word_found_inside_longer_text(backend):
    backend.upsert(DOCS)
    assert set(keys(run(backend, "党费"))) == {"policy:1", "policy:2"}
    assert keys(run(backend, "交纳"))[0] == "policy:1"


def test_title_match_ranks_above_body_mention(backend):
    backend.upsert(DOCS)
    assert keys(run(backend, "党费"))[0] == "policy:1"
    assert keys(run(backend, "三会一课"))[0] == "policy:2"


def test_traditional_and_full_width_queries_match(backend):
    backend.upsert(DOCS)
    assert keys(run(backend, "按時交納黨費"))[0] == "policy:1"
    assert keys(run(backend, "２０１６年"))[0] == "policy:1"


def test_doc_number_matches_in_any_bracket_style(backend):
    backend.upsert(DOCS)
    for variant in ("国发〔2016〕31号", "国发[2016]31号", "国发（２０１６）３１号"):
        assert keys(run(backend, variant)) == ["policy:1"], variant


def test_exact_phrase_requires_adjacent_words(backend):
    backend.upsert(DOCS)
    assert keys(run(backend, '"党小组会按期召开"')) == ["policy:2"]
    assert keys(run(backend, '"党费按时交纳"')) == []


def test_excluded_word_removes_matches(backend):
    backend.upsert(DOCS)
    assert keys(run(backend, "党费 -细则")) == ["policy:1"]


def test_any_mode_matches_either_word_all_mode_needs_both(backend):
    backend.upsert(DOCS)
    assert set(keys(run(backend, "党课 廉政", mode="any"))) == {"policy:2", "news:4"}
    assert keys(run(backend, "党课 廉政")) == []


def test_all_words_with_no_match_is_relaxed_to_any_words(backend):
    backend.upsert(DOCS)
    assert run(backend, "党课 廉政").total == 0
    results = execute(parse("党课 廉政"), backend=backend)
    assert results.relaxed
    assert set(keys(results)) == {"policy:2", "news:4"}
    assert execute(parse("党费"), backend=backend).relaxed is False


def test_title_scope_ignores_body(backend):
    backend.upsert(DOCS)
    assert set(keys(run(backend, "党费"))) == {"policy:1", "policy:2"}
    assert keys(run(backend, "党费", scope="title")) == ["policy:1"]


def test_filters_by_type_facet_and_date(backend):
    backend.upsert(DOCS)
    assert keys(run(backend, "党员", types=["news"])) == ["news:3"]
    assert keys(run(backend, "党", filters={"branch": ["第二党支部"]})) == ["news:4"]
    dated = run(
        backend,
        "党",
        date_from=datetime.date(2019, 1, 1),
        date_to=datetime.date(2023, 12, 31),
    )
    assert set(keys(dated)) == {"policy:2", "news:3"}


def test_filters_without_query_text_browse_by_date(backend):
    backend.upsert(DOCS)
    results = backend.search(SearchQuery(types=["policy"], sort="date"))
    assert keys(results) == ["policy:2", "policy:1"]


def test_facet_counts_cover_the_whole_result_set(backend):
    backend.upsert(DOCS)
    results = run(
        backend, "党", facets=["type", "year", "issuer", "category"], page_size=1
    )
    assert results.total == 4
    counts = {
        name: {f.value: f.count for f in values}
        for name, values in results.facets.items()
    }
    assert counts["type"] == {"policy": 2, "news": 2}
    assert counts["issuer"] == {"机关党委": 2}
    assert counts["category"] == {"党建/党费": 1, "党建/组织生活": 1}
    assert counts["year"]["2024"] == 1


def test_facet_counts_of_a_filtered_facet_ignore_its_own_filter(backend):
    backend.upsert(DOCS)
    results = run(backend, "党", facets=["type"], filters={"type": ["news"]})
    assert set(keys(results)) == {"news:3", "news:4"}
    counts = {f.value: f.count for f in results.facets["type"]}
    assert counts == {"policy": 2, "news": 2}


def test_sort_by_date_both_ways(backend):
    backend.upsert(DOCS)
    assert keys(run(backend, "党", sort="date")) == [
        "news:4",
        "news:3",
        "policy:2",
        "policy:1",
    ]
    assert keys(run(backend, "党", sort="date_asc")) == [
        "policy:1",
        "policy:2",
        "news:3",
        "news:4",
    ]


def test_pagination_returns_disjoint_pages(backend):
    backend.upsert(DOCS)
    first = run(backend, "党", sort="date", page_size=3)
    second = run(backend, "党", sort="date", page=2, page_size=3)
    assert first.total == second.total == 4
    assert first.num_pages == 2
    assert keys(first) + keys(second) == ["news:4", "news:3", "policy:2", "policy:1"]


def test_highlights_are_on_the_original_text_and_escaped(backend):
    backend.upsert(DOCS)
    hit = run(backend, "2016年").hits[0]
    assert "<mark>２０１６年</mark>" in hit.snippet_html
    hit = run(backend, "黨費").hits[0]
    assert hit.title_html == "关于按时交纳<mark>党费</mark>的通知"
    assert "<mark>党费</mark>" in hit.snippet_html
    hit = run(backend, "廉政建设").hits[0]
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html


def test_hits_carry_stored_fields(backend):
    backend.upsert(DOCS)
    hit = run(backend, "交纳党费").hits[0]
    assert hit.url == "/policy/1/"
    assert hit.date == datetime.date(2016, 3, 1)
    assert hit.external_id == "ext-1"
    assert hit.extra == {"doc_number": "党发〔2016〕1号"}


def test_suggest_by_title_prefix_and_pinyin_initials(backend):
    backend.upsert(DOCS)
    assert backend.suggest("三会")[0] == "三会一课制度实施细则"
    assert "三会一课制度实施细则" in backend.suggest("shyk")
    assert "三会一课制度实施细则" in backend.suggest("shhyk")
    assert backend.suggest("党风")[0] == "党风廉政建设工作会议召开"
    assert backend.suggest("zzzz") == []


def test_rebuild_replaces_everything(backend):
    backend.upsert(DOCS)
    assert backend.rebuild(iter(DOCS[2:])) == 2
    assert backend.count() == 2
    assert keys(run(backend, "党费")) == []
    backend.clear()
    assert backend.count() == 0


def test_empty_and_symbol_queries_find_nothing_without_error(backend):
    backend.upsert(DOCS)
    assert run(backend, "").total == 4
    assert run(backend, '"" -- ** ()').total == 4
    assert run(backend, "不存在的内容").total == 0


def test_every_hit_appears_exactly_once_across_all_pages(backend):
    # More hits than the re-ranked window, with many equal scores: the order must be
    # stable from page to page, so that nothing repeats and nothing goes missing.
    docs = [
        doc(
            f"policy:{i}",
            f"党费规定{i % 9}号" if i % 3 else "其他规定",
            "党员交纳党费。" * (1 + i % 4),
            date=datetime.date(2000 + i % 25, 1 + i % 12, 1),
        )
        for i in range(345)
    ]
    backend.upsert(docs)
    for sort in ("relevance", "date"):
        seen: list[str] = []
        total = None
        for page in range(1, 9):
            results = backend.search(parse("党费", page=page, page_size=50, sort=sort))
            total = results.total
            seen += keys(results)
        assert total == 345
        assert len(seen) == len(set(seen)) == 345, sort
    straddling = [
        key
        for page in (42, 43, 44)
        for key in keys(backend.search(parse("党费", page=page, page_size=7)))
    ]
    # positions 287-307 cross the end of the re-ranked window (300) in one order
    wide = [
        key
        for page in (6, 7)
        for key in keys(backend.search(parse("党费", page=page, page_size=50)))
    ]
    assert straddling == wide[37:58]


def test_count_matches_counts_without_fetching(backend):
    backend.upsert(DOCS)
    assert backend.count_matches(parse("党费")) == 2
    assert backend.count_matches(parse("不存在的内容")) == 0
