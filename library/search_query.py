"""Library searches expressed in the search app's query language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from search.documents import SearchQuery, SearchResults
from search.query import execute, parse

if TYPE_CHECKING:
    from library.views import LibraryRequest

POLICY_FACETS = ["issuer", "year", "category", "doc_type", "validity"]


def build_query(request: LibraryRequest, *, page_size: int) -> SearchQuery:
    """A policy-only SearchQuery with the library's facets and filters."""
    return parse(
        request.q,
        scope=request.scope,
        types=["policy"],
        filters={name: [value] for name, value in request.filters.items()},
        facets=POLICY_FACETS,
        sort=request.sort,
        page=request.page,
        page_size=page_size,
        synonyms=_synonyms(),
    )


def _synonyms() -> dict[str, list[str]] | None:
    try:
        from search.synonyms import synonym_map
    except ImportError:
        return None
    return synonym_map()


def run_query(query: SearchQuery) -> SearchResults:
    """Run the query on the default engine."""
    return execute(query)


def highlight_terms(text: str) -> list[str]:
    """The normalised terms a query highlights (words, phrases, 发文字号)."""
    return parse(text, synonyms=_synonyms()).highlight_terms
