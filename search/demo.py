"""Demo data for `make run`: index everything the other apps' demos created, add a pick."""

from __future__ import annotations

from collections import Counter

from search import indexing, registry
from search.backends import get_backend
from search.query import parse

PROMOTED_QUERIES = ["三会一课", "党费"]


def _promote(query_text: str) -> bool:
    """Make the best-matching live page the editor's pick for the query, once: a query
    that already has a pick keeps it (loading the demo again on another engine, whose
    best match may be another page, added a second one)."""
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion
    from wagtail.models import Page

    if SearchPromotion.objects.filter(query__query_string=query_text).exists():
        return True
    results = get_backend().search(parse(query_text, page_size=5))
    for hit in results.hits:
        # Only a page can be a pick: board message 3 is not page 3 (the home page).
        type_, _sep, pk = hit.key.partition(":")
        source = registry.source_for_type(type_)
        if source is None or not issubclass(source.model, Page) or not pk.isdigit():
            continue
        page = source.model.objects.live().public().filter(pk=pk).first()
        if page is None:
            continue
        query = Query.get(query_text)
        SearchPromotion.objects.get_or_create(
            query=query,
            page=page,
            defaults={"description": f"编辑推荐：{page.title}", "sort_order": 0},
        )
        return True
    return False


def load() -> str:
    """Rebuild the search index from every registered source; idempotent."""
    written = indexing.rebuild()
    counts = Counter(doc.type for doc in indexing.iter_all_documents())
    labels = registry.type_labels()
    detail = (
        "、".join(f"{labels.get(t, t)} {n} 篇" for t, n in counts.items()) or "无内容"
    )
    promoted = [q for q in PROMOTED_QUERIES if _promote(q)]
    picks = f"；推荐结果：{'、'.join(promoted)}" if promoted else ""
    return f"搜索索引已重建，共 {written} 篇（{detail}）{picks}"
