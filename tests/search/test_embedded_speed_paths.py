"""The embedded engine's in-memory filter/facet data and its partial ordering."""

import datetime

import pytest

from search.backends import embedded
from search.backends.base import create_backend
from search.query import parse

from .conftest import doc


def make(tmp_path, name="i.sqlite3"):
    return create_backend(
        "speed",
        {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": tmp_path / name,
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


def test_masks_round_trip():
    ids = [0, 1, 7, 8, 63, 64, 1000]
    assert embedded.mask_to_ids(embedded.ids_to_mask(ids, 1000)) == ids


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


@pytest.mark.parametrize("small_sort", [0, 2000])
def test_pages_follow_one_order_for_relevance_and_date(
    tmp_path, monkeypatch, small_sort
):
    monkeypatch.setattr(embedded, "SMALL_SORT", small_sort)
    backend = make(tmp_path)
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
