"""The query language: all/any words, -none, "exact phrase", title scope, synonyms.

``parse`` turns what a user typed plus the form's options into a SearchQuery that
every backend understands; ``execute`` runs it and relaxes an all-words query that
found nothing into an any-words one.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import replace

from django.conf import settings

from search import analysis
from search.backends import BaseSearchBackend, get_backend
from search.documents import (
    MODE_ALL,
    MODE_ANY,
    MODES,
    SCOPE_ALL,
    SCOPES,
    SORT_RELEVANCE,
    SORTS,
    SearchQuery,
    SearchResults,
)

_TOKEN_RE = re.compile(r'(-?)(?:"([^"]*)"|“([^”]*)”|「([^」]*)」|(\S+))')
_DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[(【]\s*(?:19|20)\d{2}\s*[〕\])】]\s*第?\s*\d{1,5}\s*号"
)


def max_query_chars() -> int:
    """Longest query accepted; longer input is cut."""
    return getattr(settings, "PORTAL_SEARCH_MAX_QUERY_CHARS", 100)


def max_page_size() -> int:
    """Largest page a client may ask for."""
    return getattr(settings, "PORTAL_SEARCH_MAX_PAGE_SIZE", 50)


def max_page() -> int:
    """Deepest page a client may ask for."""
    return getattr(settings, "PORTAL_SEARCH_MAX_PAGE", 100)


def clean_text(text: str | None) -> str:
    """Query text capped in length, control characters and extra spaces removed."""
    text = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    return " ".join(text.split())[: max_query_chars()]


def _chunks(text: str) -> list[tuple[bool, bool, str]]:
    """(negated, quoted, text) for each space-separated token or quoted phrase."""
    out = []
    for match in _TOKEN_RE.finditer(text):
        negated = match.group(1) == "-"
        quoted = next((g for g in match.group(2, 3, 4) if g is not None), None)
        if quoted is not None:
            out.append((negated, True, quoted.strip()))
        elif match.group(5):
            out.append((negated, False, match.group(5)))
    return [c for c in out if c[2] and analysis.grams(c[2])]


def _expand(term: str, synonyms: Mapping[str, list[str]]) -> list[str]:
    return [term, *[s for s in synonyms.get(analysis.normalize(term), []) if s != term]]


def parse(
    text: str | None,
    *,
    mode: str = MODE_ALL,
    scope: str = SCOPE_ALL,
    types: list[str] | None = None,
    filters: Mapping[str, list[str]] | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    facets: list[str] | None = None,
    sort: str = SORT_RELEVANCE,
    page: int = 1,
    page_size: int = 10,
    synonyms: Mapping[str, list[str]] | None = None,
) -> SearchQuery:
    """Build a capped, validated SearchQuery from user input."""
    text = clean_text(text)
    synonyms = synonyms if synonyms is not None else {}
    query = SearchQuery(
        text=text,
        mode=mode if mode in MODES else MODE_ALL,
        scope=scope if scope in SCOPES else SCOPE_ALL,
        types=list(types or []),
        filters={k: list(v) for k, v in (filters or {}).items() if v},
        date_from=date_from,
        date_to=date_to,
        facets=list(facets or []),
        sort=sort if sort in SORTS else SORT_RELEVANCE,
        page=min(max(1, page), max_page()),
        page_size=min(max(1, page_size), max_page_size()),
    )
    items: list[list[str]] = []
    highlight: list[str] = []
    for negated, quoted, chunk in _chunks(text):
        if negated:
            query.exclude.append(chunk)
            continue
        if quoted:
            query.phrases.append(chunk)
            query.boost_phrases.append(chunk)
            highlight.append(analysis.normalize(chunk).replace(" ", ""))
            query.near_words.extend(analysis.query_words(chunk))
            continue
        norm_chunk = analysis.normalize(chunk)
        if norm_chunk in synonyms:
            alternatives = _expand(chunk, synonyms)
            items.append(alternatives)
            highlight.extend(analysis.normalize(a) for a in alternatives)
            query.boost_phrases.append(chunk)
            query.near_words.append(norm_chunk)
            continue
        rest = chunk
        for number in _DOC_NUMBER_RE.findall(norm_chunk):
            items.append([number])
            highlight.append(number)
            rest = analysis.normalize(rest).replace(number, " ")
        words = analysis.query_words(rest)
        for word in words:
            alternatives = _expand(word, synonyms)
            items.append(alternatives)
            highlight.extend(analysis.normalize(a) for a in alternatives)
        query.near_words.extend(words)
        if len(analysis.grams(chunk)) >= 2:
            query.boost_phrases.append(chunk)
            highlight.append(norm_chunk)
    if query.mode == MODE_ANY:
        query.should = items
    else:
        query.must = items
    query.near_words = list(dict.fromkeys(query.near_words))
    query.highlight_terms = list(dict.fromkeys(h for h in highlight if h.strip()))
    return query


def execute(
    query: SearchQuery,
    *,
    alias: str = "default",
    backend: BaseSearchBackend | None = None,
) -> SearchResults:
    """Run a query; an all-words query with no hits is retried as any-words."""
    backend = backend or get_backend(alias)
    results = backend.search(query)
    if results.total == 0 and query.mode == MODE_ALL and len(query.must) > 1:
        relaxed = replace(query, mode=MODE_ANY, should=query.must, must=[])
        results = backend.search(relaxed)
        results.relaxed = results.total > 0
    return results
