"""The library page: the site search pre-filtered to policy documents, with its facets."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, DateField, Q
from django.db.models.functions import Coalesce, ExtractYear
from django.http import HttpRequest
from django.template.response import TemplateResponse

from library.models import PolicyDocumentPage, Validity

FACETS = ("issuer", "year", "category", "doc_type", "validity")
FACET_LABELS = {
    "issuer": "发文机关",
    "year": "年份",
    "category": "主题分类",
    "doc_type": "公文种类",
    "validity": "效力",
}
SORTS = {"relevance": "相关度", "date": "最新发布", "date_asc": "最早发布"}
MAX_QUERY = 100
FACET_LIMIT = 12


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str
    children: list[FacetOption] = field(default_factory=list)


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption]
    selected: str
    clear_url: str
    more: int = 0


@dataclass
class Hit:
    title_html: str
    snippet_html: str
    url: str
    date: datetime.date | None
    doc_number: str
    issuer: str
    validity: str


@dataclass
class LibraryRequest:
    """The library page's query string, validated."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    page: int = 1
    scope: str = "all"

    @classmethod
    def from_get(cls, get) -> LibraryRequest:
        q = " ".join(get.get("q", "").split())[:MAX_QUERY]
        filters = {}
        for name in FACETS:
            value = get.get(name, "").strip()[:120]
            if value:
                filters[name] = value
        sort = get.get("sort", "")
        if sort not in SORTS:
            sort = "relevance" if q else "date"
        try:
            page = max(1, min(int(get.get("page", 1)), 1000))
        except ValueError:
            page = 1
        scope = "title" if get.get("scope") == "title" else "all"
        return cls(q=q, filters=filters, sort=sort, page=page, scope=scope)

    def url(self, **changes) -> str:
        """This request's query string with changes (None drops a key); page resets."""
        params: dict[str, str] = {}
        if self.q:
            params["q"] = self.q
        params.update(self.filters)
        if self.sort != ("relevance" if self.q else "date"):
            params["sort"] = self.sort
        if self.scope != "all":
            params["scope"] = self.scope
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        return "?" + urlencode(params) if params else "?"


def _year_expr():
    return ExtractYear(
        Coalesce("publish_date", "written_date", output_field=DateField())
    )


def browse(library, request: LibraryRequest):
    """Documents under the library by filters alone (no keywords), with facet counts."""
    base = PolicyDocumentPage.objects.live().public().child_of(library)
    queryset = base.annotate(pub_year=_year_expr())
    filters = request.filters
    if "issuer" in filters:
        queryset = queryset.filter(issuer=filters["issuer"])
    if "year" in filters and filters["year"].isdigit():
        queryset = queryset.filter(pub_year=int(filters["year"]))
    if "doc_type" in filters:
        queryset = queryset.filter(doc_type=filters["doc_type"])
    if "validity" in filters:
        queryset = queryset.filter(validity=filters["validity"])
    if "category" in filters:
        top, _, sub = filters["category"].partition("/")
        if sub:
            queryset = queryset.filter(category__name=sub, category__parent__name=top)
        else:
            queryset = queryset.filter(
                Q(category__parent=None, category__name=top)
                | Q(category__parent__name=top)
            )
    counts: dict[str, list[tuple[str, int]]] = {}
    for name, column in (
        ("issuer", "issuer"),
        ("year", "pub_year"),
        ("doc_type", "doc_type"),
        ("validity", "validity"),
    ):
        rows = (
            queryset.order_by()
            .values(column)
            .annotate(n=Count("pk", distinct=True))
            .exclude(**{f"{column}__isnull": True})
        )
        counts[name] = [(str(r[column]), r["n"]) for r in rows if r[column] != ""]
    category_rows = (
        queryset.order_by()
        .values("category__name", "category__parent__name")
        .annotate(n=Count("pk", distinct=True))
        .exclude(category__isnull=True)
    )
    category_counts: dict[str, int] = {}
    for row in category_rows:
        top = row["category__parent__name"] or row["category__name"]
        category_counts[top] = category_counts.get(top, 0) + row["n"]
        if row["category__parent__name"]:
            key = f"{top}/{row['category__name']}"
            category_counts[key] = category_counts.get(key, 0) + row["n"]
    counts["category"] = list(category_counts.items())
    order = (
        ["publish_date", "pk"]
        if request.sort == "date_asc"
        else ["-publish_date", "-pk"]
    )
    queryset = queryset.for_listing().order_by(*order)
    paginator = Paginator(queryset, library.per_page or 20)
    page = paginator.get_page(request.page)
    hits = [
        Hit(
            title_html="",
            snippet_html="",
            url=doc.url,
            date=doc.publish_date or doc.written_date,
            doc_number=doc.doc_number,
            issuer=doc.issuer,
            validity=doc.validity,
        )
        for doc in page.object_list
    ]
    for hit, doc in zip(hits, page.object_list, strict=True):
        hit.title_html = _escape(doc.title)
    return hits, paginator.count, page.number, paginator.num_pages, counts


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


def engine_search(library, request: LibraryRequest):
    """Keyword search through the site search engine, restricted to policy documents."""
    from library.search_query import build_query, run_query

    query = build_query(request, page_size=library.per_page or 20)
    results = run_query(query)
    hits = [
        Hit(
            title_html=h.title_html,
            snippet_html=h.snippet_html,
            url=_with_query(h.url, request.q),
            date=h.date,
            doc_number=h.extra.get("doc_number", ""),
            issuer=h.extra.get("issuer", ""),
            validity=h.extra.get("validity", ""),
        )
        for h in results.hits
    ]
    counts = {
        name: [(fv.value, fv.count) for fv in results.facets.get(name, [])]
        for name in FACETS
    }
    return hits, results.total, results.page, results.num_pages, counts


def _with_query(url: str, q: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'q': q})}"


def _sort_key(name: str, value: str, count: int):
    if name == "year":
        return (-int(value) if value.isdigit() else 0, value)
    if name == "validity":
        order = list(Validity.values)
        return (order.index(value) if value in order else 99, value)
    return (-count, value)


def build_facets(request: LibraryRequest, counts) -> list[Facet]:
    """Facet panels with counts, selected state and links that toggle each value."""
    facets = []
    for name in FACETS:
        pairs = counts.get(name, [])
        selected = request.filters.get(name, "")
        if name == "category":
            options = _category_options(request, pairs, selected)
        else:
            pairs = sorted(pairs, key=lambda p, n=name: _sort_key(n, p[0], p[1]))
            options = [
                FacetOption(
                    value=value,
                    label=f"{value}年" if name == "year" else value,
                    count=count,
                    selected=value == selected,
                    url=request.url(
                        **{name: None if value == selected else value, "page": None}
                    ),
                )
                for value, count in pairs
            ]
        more = 0
        if len(options) > FACET_LIMIT:
            keep = list(options[:FACET_LIMIT])
            keep += [o for o in options[FACET_LIMIT:] if o.selected]
            more = len(options) - len(keep)
            options = keep
        facets.append(
            Facet(
                name=name,
                label=FACET_LABELS[name],
                options=options,
                selected=selected,
                clear_url=request.url(**{name: None, "page": None}),
                more=more,
            )
        )
    return facets


def _category_options(
    request: LibraryRequest, pairs, selected: str
) -> list[FacetOption]:
    tops: dict[str, FacetOption] = {}
    subs: list[tuple[str, str, int]] = []
    for value, count in pairs:
        top, _, sub = value.partition("/")
        if sub:
            subs.append((top, value, count))
        else:
            tops[top] = FacetOption(
                value=value,
                label=value,
                count=count,
                selected=value == selected,
                url=request.url(
                    category=None if value == selected else value, page=None
                ),
            )
    selected_top = selected.partition("/")[0]
    for top, value, count in sorted(subs, key=lambda s: -s[2]):
        if top != selected_top or top not in tops:
            continue
        tops[top].children.append(
            FacetOption(
                value=value,
                label=value.partition("/")[2],
                count=count,
                selected=value == selected,
                url=request.url(
                    category=top if value == selected else value, page=None
                ),
            )
        )
    return sorted(tops.values(), key=lambda o: (-o.count, o.value))


def _page_links(request: LibraryRequest, current: int, total_pages: int) -> list[dict]:
    numbers = sorted(
        {1, total_pages, *range(max(1, current - 2), min(total_pages, current + 2) + 1)}
    )
    links, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            links.append({"gap": True})
        links.append(
            {
                "number": number,
                "url": request.url(page=number),
                "current": number == current,
            }
        )
        previous = number
    return links


def serve_library(library, http_request: HttpRequest) -> TemplateResponse:
    """Render the library page for a request (called from PolicyLibraryPage.serve)."""
    request = LibraryRequest.from_get(http_request.GET)
    engine_error = False
    if request.q:
        try:
            hits, total, current, pages, counts = engine_search(library, request)
        except Exception:
            import logging

            logging.getLogger(__name__).exception("library search failed")
            engine_error = True
            hits, total, current, pages, counts = [], 0, 1, 1, {}
    else:
        hits, total, current, pages, counts = browse(library, request)
    context = {
        "page": library,
        "self": library,
        "request": http_request,
        "search_query": request.q,
        "library_request": request,
        "hits": hits,
        "total": total,
        "current_page": current,
        "num_pages": pages,
        "page_links": _page_links(request, current, pages) if pages > 1 else [],
        "previous_url": request.url(page=current - 1) if current > 1 else "",
        "next_url": request.url(page=current + 1) if current < pages else "",
        "facets": build_facets(request, counts),
        "sorts": [
            {
                "value": key,
                "label": label,
                "selected": key == request.sort,
                "url": request.url(sort=key, page=None),
            }
            for key, label in SORTS.items()
            if key != "relevance" or request.q
        ],
        "active_filters": [
            {
                "label": FACET_LABELS[name],
                "value": value,
                "url": request.url(**{name: None, "page": None}),
            }
            for name, value in request.filters.items()
        ],
        "engine_error": engine_error,
        "scope_all_url": request.url(scope=None, page=None),
        "clear_url": request.url(**dict.fromkeys(request.filters), page=None),
    }
    return TemplateResponse(http_request, "library/policy_library_page.html", context)
