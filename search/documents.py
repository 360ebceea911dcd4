"""Plain data types shared by sources, backends, views and the JSON API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass
class SearchDocument:
    """One indexable thing, as a content app's source describes it."""

    key: str
    type: str
    title: str
    body: str
    url: str
    date: datetime.date | None
    external_id: str | None = None
    facets: dict[str, str | list[str]] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    def facet_pairs(self) -> list[tuple[str, str]]:
        """Every (facet name, value) pair, lists flattened, blanks dropped."""
        pairs: list[tuple[str, str]] = []
        for name, value in self.facets.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            pairs.extend((name, str(v)) for v in values if v not in (None, ""))
        return pairs


SORT_RELEVANCE = "relevance"
SORT_DATE_DESC = "date"
SORT_DATE_ASC = "date_asc"
SORTS = (SORT_RELEVANCE, SORT_DATE_DESC, SORT_DATE_ASC)

MODE_ALL = "all"
MODE_ANY = "any"
MODES = (MODE_ALL, MODE_ANY)

SCOPE_ALL = "all"
SCOPE_TITLE = "title"
SCOPES = (SCOPE_ALL, SCOPE_TITLE)


@dataclass
class SearchQuery:
    """A parsed, validated request to a backend; build it with search.query.parse."""

    text: str = ""
    must: list[list[str]] = field(default_factory=list)
    should: list[list[str]] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    boost_phrases: list[str] = field(default_factory=list)
    near_words: list[str] = field(default_factory=list)
    mode: str = MODE_ALL
    scope: str = SCOPE_ALL
    types: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    facets: list[str] = field(default_factory=list)
    sort: str = SORT_RELEVANCE
    page: int = 1
    page_size: int = 10
    highlight_terms: list[str] = field(default_factory=list)

    @property
    def offset(self) -> int:
        """Index of the first hit on the requested page."""
        return (self.page - 1) * self.page_size

    def has_terms(self) -> bool:
        """True when the query constrains by text, not only by filters."""
        return bool(self.must or self.should or self.phrases)


@dataclass
class SearchHit:
    """One result: stored fields plus a highlighted title and snippet (safe HTML)."""

    key: str
    type: str
    title: str
    url: str
    date: datetime.date | None
    external_id: str | None
    title_html: str
    snippet_html: str
    score: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)
    facets: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FacetValue:
    """A facet value with the number of matching documents."""

    value: str
    count: int


@dataclass
class SearchResults:
    """A page of hits, the total, and facet counts for the whole result set."""

    total: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    page: int = 1
    page_size: int = 10
    relaxed: bool = False
    # The engine has no index yet (nothing built): an empty answer, not an error.
    index_missing: bool = False

    @property
    def num_pages(self) -> int:
        """Number of pages for the total."""
        return max(1, -(-self.total // self.page_size))
