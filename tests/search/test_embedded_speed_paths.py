"""The embedded engine's in-memory filter/facet data and its partial ordering."""

import datetime

import pytest

from search.backends import embedded
from search.backends.base import create_backend
from search.query import parse

from .conftest import doc


def make(tmp_path, name="i.sqlite3", **params):
    return create_backend(
        "speed",
        {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": tmp_path / name,
            **params,
        },
    )


def corpus(n):
    return [
        doc(
            f"policy:{i}",
            f"管理办法第{i}号" if i % 3 else f"关于条例的通知{i}",
            "条例" * (1 + i % 5) + "。管理办法规定。",
            date=datetime.date(2000 + i % 20, 1 + i % 12, 1) if i % 7 else None,
            facets={"year": str(2000 + i % 20), "issuer": f"机关{i % 4}"},
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "ids",
    [
        [0, 1, 7, 8, 63, 64, 1000],
        [5, 99_999],
        list(range(0, 3000, 3)),
        list(range(64 * 3)),
        [],
    ],
)
def test_masks_round_trip(ids):
    assert embedded.mask_to_ids(embedded.ids_to_mask(ids)) == ids


def test_term_masks_hold_exactly_the_rows_fts5_matches(tmp_path):
    """The ids SQLite hands over as one text become the same set (the ends of
    64-bit words included)."""
    backend = make(tmp_path)
    backend.upsert(corpus(200))
    gen, writes = backend._state()
    cols = backend._columns(gen, writes)
    mask, count = cols.term_mask(backend.conn, '"管理办法"')
    want = set(backend._match(gen, '"管理办法"', scored=False))
    assert {63, 127, 191} <= want
    assert embedded.mask_to_ids(mask) == sorted(want)
    assert count == len(want)


def test_writes_from_another_instance_refresh_facets_and_filters(tmp_path):
    reader, writer = make(tmp_path), make(tmp_path)
    writer.upsert(corpus(10))
    before = reader.search(
        parse("条例", facets=["issuer"], filters={"issuer": ["机关1"]})
    )
    writer.upsert([doc("policy:x", "条例x", "条例", facets={"issuer": "机关1"})])
    after = reader.search(
        parse("条例", facets=["issuer"], filters={"issuer": ["机关1"]})
    )
    assert after.total == before.total + 1
    counts = {f.value: f.count for f in after.facets["issuer"]}
    assert counts["机关1"] == after.total
    writer.delete(["policy:x"])
    assert (
        reader.count_matches(parse("条例", filters={"issuer": ["机关1"]}))
        == before.total
    )


@pytest.mark.parametrize("budget", [embedded.SCORE_BUDGET, -1])
@pytest.mark.parametrize("small_sort", [0, 2000])
def test_pages_follow_one_order_for_relevance_and_date(
    tmp_path, monkeypatch, small_sort, budget
):
    """Also for broad queries (budget -1), across the re-ranked head's border."""
    monkeypatch.setattr(embedded, "SMALL_SORT", small_sort)
    monkeypatch.setattr(embedded, "RERANK_DEPTH", 30)
    monkeypatch.setattr(embedded, "BROAD_PHRASE_DOCS", 30)
    backend = make(tmp_path, SCORE_BUDGET=budget)
    backend.upsert(corpus(120))
    for sort in ("relevance", "date", "date_asc"):
        whole = [
            h.key
            for page in (1, 2, 3)
            for h in backend.search(
                parse("条例 管理办法", sort=sort, page=page, page_size=50)
            ).hits
        ]
        paged = [
            h.key
            for page in range(1, 19)
            for h in backend.search(
                parse("条例 管理办法", sort=sort, page=page, page_size=7)
            ).hits
        ]
        assert len(whole) == len(set(whole)) == 120
        assert paged == whole[: len(paged)]


def test_suggest_in_sql_ranks_like_rank_suggestions(tmp_path):
    from search.suggesting import rank_suggestions

    backend = make(tmp_path)
    backend.upsert(corpus(60))
    backend.upsert([doc("policy:s", "三会一课制度实施细则", "")])
    rows = backend.conn.execute(
        "SELECT title, norm, initials, pinyin, date FROM suggest_1"
    ).fetchall()
    for text in ("管理", "条例", "第1", "glbf", "shyk", "shhyk", "tiaoli", "g", " "):
        for limit in (1, 3, 8):
            assert backend.suggest(text, limit) == rank_suggestions(text, rows, limit)


MATCH_TEXTS = [
    "县人民政府关于国发〔2016〕31号文件的管理办法",
    "省人民政府办公厅 用地管理 ABC-12 2016年",
    "人民民政工作，省级管理；用于政府采购",
    "国务院关于加强管理的通知（国办发〔2019〕5号）",
    "關於人民政府的規定 ｔｅｓｔ 123",
    "管 理 分开写的文字与政府",
]


def fts5_expanding(backend, query):
    """The documents FTS5 itself finds for a query (prefixes expanded), less the
    excluded ones."""
    gen = backend._generation()
    found = set(backend._match(gen, backend._expr(query), scored=False))
    if query.exclude:
        found -= set(
            backend._match(
                gen,
                embedded.compile_items(
                    [[e] for e in query.exclude], join="OR", title_only=False
                ),
                scored=False,
            )
        )
    return found


@pytest.mark.parametrize(
    "text",
    [
        "管理",
        "人民政府",
        "省",
        "用",
        "国发〔2016〕31号",
        "abc",
        "2016",
        "政府 管理",
        "民政",
        "人民 -管理",
        '"人民政府"',
        "规定",
        "test 123",
        "管理办法",
        '政府 管理 -"人民政府" -通知',
        "人民政府 管理办法 国务院",
        "人民政府 管理",
        "国务院 人民政府 -通知",
        # prefixes, read from chars_N
        "2016年",
        "年",
        "省 管理",
        "用 -省",
        "政府 -用",
        "2016年 政府",
        "abc-12 2016年 -省",
    ],
)
@pytest.mark.parametrize("scope", ["all", "title"])
@pytest.mark.parametrize("mode", ["all", "any"])
def test_match_only_expressions_match_what_the_scored_ones_do(
    tmp_path, text, scope, mode
):
    """The column-free fragments used for masks find exactly the FTS5 query's documents."""
    backend = make(tmp_path)
    backend.upsert(
        [
            doc(f"policy:{i}", MATCH_TEXTS[i][:12], MATCH_TEXTS[(i + 2) % 6])
            for i in range(6)
        ]
        + [doc(f"news:{i}", MATCH_TEXTS[i], MATCH_TEXTS[i]) for i in range(6)]
    )
    query = parse(text, scope=scope, mode=mode)
    gen, writes = backend._state()
    cols = backend._columns(gen, writes)
    scored = fts5_expanding(backend, query)
    mask, _cost, _expr = backend._match_mask(cols, query)
    assert set(embedded.mask_to_ids(mask)) == scored
    assert backend.count_matches(query) == len(scored)


def test_broad_queries_rank_title_and_verbatim_body_first(tmp_path):
    """Without BM25, titles with the words and bodies with the phrase still lead."""
    docs = [
        doc(
            f"policy:{i}",
            f"其他事项通知{i}",
            "应当给予奖励。" + "县级机关，" * (i % 5) + "以上情况",
            date=datetime.date(2020, 1, 1 + i),
        )
        for i in range(20)
    ]
    docs.append(
        doc(
            "policy:title",
            "县级以上人民政府奖励办法",
            "其他内容。",
            date=datetime.date(2001, 1, 1),
        )
    )
    docs.append(
        doc(
            "policy:body",
            "某某条例",
            "第十条 县级以上人民政府应当给予奖励。",
            date=datetime.date(2002, 1, 1),
        )
    )
    for budget in (embedded.SCORE_BUDGET, -1):
        backend = make(tmp_path, f"{budget}.sqlite3", SCORE_BUDGET=budget)
        backend.upsert(docs)
        hits = backend.search(parse("县级以上人民政府应当给予奖励", mode="any")).hits
        assert {h.key for h in hits[:2]} == {"policy:title", "policy:body"}, budget
        assert (
            backend.search(parse("县级以上人民政府应当给予奖励")).hits[0].key
            == "policy:body"
        )


def test_fragment_cache_stays_within_its_budget(tmp_path, monkeypatch):
    backend = make(tmp_path)
    backend.upsert(corpus(200))
    expected = {
        q: backend.search(parse(q)).total for q in ("条例", "管理办法", "通知", "规定")
    }
    monkeypatch.setattr(embedded, "TERM_CACHE_BYTES", 200)
    embedded._columns.clear()
    for _round in range(2):
        for q, total in expected.items():
            assert backend.search(parse(q)).total == total
    cols = backend._columns(*backend._state())
    assert len(cols.term_masks) == 1
    assert cols.term_bytes <= 200 + (cols.top >> 3) + 100


def test_facet_counts_agree_for_few_and_many_hits(tmp_path):
    """Counting by hits (few) and by value lists (many) give the same facets."""
    backend = make(tmp_path)
    docs = corpus(300)
    for i, d in enumerate(docs):
        d.facets = {"issuer": f"机关{i % 97}", "year": str(2000 + i % 20)}
    backend.upsert(docs)
    for text in ("条例", "关于条例的通知1", "管理办法第7号"):
        results = backend.search(parse(text, facets=["issuer"]))
        hits = {
            h.key
            for page in range(1, results.total // 10 + 2)
            for h in backend.search(parse(text, page=page, page_size=10)).hits
        }
        assert len(hits) == results.total
        want = {}
        for d in docs:
            if d.key in hits:
                want[d.facets["issuer"]] = want.get(d.facets["issuer"], 0) + 1
        assert {f.value: f.count for f in results.facets["issuer"]} == want


@pytest.mark.parametrize("tests_up_to", [0, 10_000])
def test_title_words_found_every_way_agree(tmp_path, monkeypatch, tests_up_to):
    """Per-document tests, a scan placing each occurrence, or a loop over titles."""
    backend = make(tmp_path)
    backend.upsert(corpus(300))
    monkeypatch.setattr(embedded, "TITLE_TESTS", tests_up_to)
    gen, writes = backend._state()
    cols = backend._columns(gen, writes)
    by_id = cols.title_index(backend.conn)[3]
    everyone = cols.all_mask
    some = embedded.ids_to_mask(range(1, cols.top + 1, 2))
    for word in ("管理办法", "通知29", "第299号", "条例的"):
        for within in (everyone, some):
            titled = cols.titles_within(backend.conn, within)
            got = cols.title_mask(backend.conn, word, within, titled)
            want = [i for i in embedded.mask_to_ids(within) if word in (by_id[i] or "")]
            assert embedded.mask_to_ids(got) == want
            assert want or word == "第299号"


PREFIX_QUERIES = [
    "省",
    "用",
    "年",
    "2016年",
    "123年",
    "省 管理",
    "用 -省",
    "2016年 政府",
]


def test_chars_follow_updates_and_deletes(tmp_path):
    """A prefix read from chars_N finds what FTS5 finds by expanding it, after
    documents are replaced and removed too."""
    backend = make(tmp_path)
    backend.upsert(
        [doc(f"policy:{i}", MATCH_TEXTS[i], MATCH_TEXTS[(i + 1) % 6]) for i in range(6)]
    )
    backend.upsert(
        [
            doc("policy:0", "无关标题", "2016年的省级文件"),
            doc("policy:1", "123年", "没有那个字"),
        ]
    )
    backend.delete(["policy:2", "policy:3"])
    gen = backend._generation()
    assert backend._chars_in(gen)
    for text in PREFIX_QUERIES:
        for scope in ("all", "title"):
            query = parse(text, scope=scope)
            gen, writes = backend._state()
            cols = backend._columns(gen, writes)
            mask, _cost, _expr = backend._match_mask(cols, query)
            assert set(embedded.mask_to_ids(mask)) == fts5_expanding(backend, query), (
                text,
                scope,
            )
    # The deleted documents left no character behind.
    chars = backend.conn.execute(
        f"SELECT count(*) FROM chars_{gen} WHERE chars_{gen} MATCH '\"采\"'"  # noqa: S608
    ).fetchone()[0]
    assert chars == 0


def test_an_index_built_before_chars_answers_the_same_and_asks_for_a_rebuild(
    tmp_path,
):
    backend = make(tmp_path)
    docs = [
        doc(f"policy:{i}", MATCH_TEXTS[i], MATCH_TEXTS[(i + 2) % 6]) for i in range(6)
    ]
    backend.upsert(docs)
    assert backend.check() == []
    want = {t: backend.search(parse(t)) for t in PREFIX_QUERIES}
    gen = backend._generation()
    backend.conn.execute(f"DROP TABLE chars_{gen}")
    backend.close()

    old = make(tmp_path)
    (problem,) = old.check()
    assert "rebuild_search_index" in problem and f"chars_{gen}" in problem
    for text, results in want.items():
        got = old.search(parse(text))
        assert [h.key for h in got.hits] == [h.key for h in results.hits], text
        assert got.total == results.total
    # Writes to the old generation keep working without chars_N.
    old.upsert([doc("policy:new", "省级年度文件", "2016年")])
    assert old.search(parse("2016年")).total == want["2016年"].total + 1
    old.rebuild(docs)
    assert old.check() == []
    assert old._chars_in(old._generation())


@pytest.mark.parametrize("text", ["按照国家有关规定", "国家规定 有关部门", "有关部门"])
def test_boost_phrases_read_within_the_text_or_alone_agree_on_its_matches(
    tmp_path, monkeypatch, text
):
    backend = make(tmp_path)
    backend.upsert(
        doc(
            f"policy:{i}",
            f"文件{i}",
            ("按照国家有关规定办理。" if i % 3 else "按照国家规定，有关部门办理。")
            + "其他内容" * (i % 4),
        )
        for i in range(120)
    )
    query = parse(text)
    gen, writes = backend._state()
    cols = backend._columns(gen, writes)
    mask, _cost, expr = backend._match_mask(cols, query)
    assert mask and expr
    within = (expr, mask.bit_count())
    grams = list(embedded.analysis.query_grams(text))
    monkeypatch.setattr(embedded, "WITHIN_DOCS", 10**6)
    read_within = backend._boost_mask(cols, grams, within)
    cols.term_masks.clear()
    monkeypatch.setattr(embedded, "WITHIN_DOCS", 0)
    read_alone = backend._boost_mask(cols, grams, within)
    assert read_within & mask == read_alone & mask
    assert read_alone & mask  # the phrase is there
