"""Type-ahead and "did you mean" suggestions, and editor's picks for a query."""

from __future__ import annotations

from functools import lru_cache

from django.core.cache import cache

from search.analysis import DICT_DIR, normalize
from search.backends import get_backend
from search.suggesting import pinyin_keys, rank_suggestions

TERM_CACHE_SECONDS = 300


@lru_cache(maxsize=1)
def _dictionary_rows() -> list[tuple]:
    """(term, norm, initials, pinyin, date) rows for the project's dictionary terms."""
    rows = []
    for line in (DICT_DIR / "party_terms.txt").read_text("utf-8").splitlines():
        term = line.split()[0] if line.split() else ""
        if len(term) >= 2:
            initials, pinyin = pinyin_keys(term)
            rows.append((term, normalize(term), initials, pinyin, None))
    return rows


def _term_has_results(term: str) -> bool:
    from search.query import parse

    key = "search:term-exists:" + normalize(term)
    found = cache.get(key)
    if found is None:
        found = get_backend().count_matches(parse(term)) > 0
        cache.set(key, found, TERM_CACHE_SECONDS)
    return found


def suggestions(text: str, *, limit: int = 8) -> list[str]:
    """Dictionary terms with results (三会一课 for shhyk), then matching titles."""
    text = (text or "").strip()
    if not text:
        return []
    terms = [
        t for t in rank_suggestions(text, _dictionary_rows(), 3) if _term_has_results(t)
    ]
    titles = get_backend().suggest(text, limit)
    merged = list(dict.fromkeys([*terms, *titles]))
    return merged[:limit]


def editors_picks(text: str) -> list[dict]:
    """Promoted results for this exact query (Wagtail search promotions), public only."""
    from wagtail.contrib.search_promotions.models import SearchPromotion
    from wagtail.search.utils import normalise_query_string

    picks = []
    promotions = SearchPromotion.objects.filter(
        query__query_string=normalise_query_string(text)
    ).select_related("page")
    for promotion in promotions:
        page = promotion.page
        if page is not None:
            if not page.live or page.get_view_restrictions().exists():
                continue
            picks.append(
                {
                    "title": page.title,
                    "url": page.url,
                    "description": promotion.description,
                }
            )
        elif promotion.external_link_url:
            picks.append(
                {
                    "title": promotion.external_link_text
                    or promotion.external_link_url,
                    "url": promotion.external_link_url,
                    "description": promotion.description,
                }
            )
    return picks
