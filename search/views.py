"""Site search pages and JSON endpoints; the library page reuses SearchView."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from search import registry
from search.backends import SearchUnavailable
from search.documents import SearchQuery, SearchResults
from search.forms import (
    MODE_LABELS,
    SCOPE_LABELS,
    SORT_LABELS,
    SearchCriteria,
    lenient_int,
    read_criteria,
)
from search.query import clean_text, execute, parse
from search.suggestions import editors_picks, suggestions

logger = logging.getLogger(__name__)

BASE_FACET_LABELS = {"type": "类型", "year": "年份"}
UNAVAILABLE_MESSAGE = "搜索服务暂时不可用，请稍后再试。网站的其他栏目不受影响。"


def build_query(
    criteria: SearchCriteria, *, fixed_types: list[str], facet_names: list[str]
) -> SearchQuery:
    """The SearchQuery for a search on a page that may fix the document types."""
    from search.synonyms import synonym_map

    filters = dict(criteria.filters)
    if criteria.types and not fixed_types:
        filters["type"] = criteria.types
    return parse(
        criteria.q,
        mode=criteria.mode,
        scope=criteria.scope,
        types=fixed_types,
        filters=filters,
        date_from=criteria.date_from,
        date_to=criteria.date_to,
        facets=facet_names,
        sort=criteria.sort,
        page=criteria.page,
        page_size=criteria.page_size,
        synonyms=synonym_map(),
    )


def log_query(criteria: SearchCriteria, results: SearchResults) -> None:
    """Count the search in the query log; never breaks the search itself."""
    if not criteria.q or criteria.page != 1:
        return
    from search.analysis import normalize
    from search.models import QueryStat

    try:
        QueryStat.record(normalize(criteria.q), results.total)
    except DatabaseError:
        logger.warning("could not record search query", exc_info=True)


def facet_labels(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Facet name → Chinese label from every source, plus the page's own labels."""
    labels = dict(BASE_FACET_LABELS)
    for source in registry.sources():
        labels.update(source.facet_labels)
    labels.update(extra or {})
    return labels


def _toggle_url(params, name: str, value: str) -> tuple[str, bool]:
    items = [(k, v) for k in params for v in params.getlist(k) if k != "page"]
    selected = (name, value) in items
    if selected:
        items = [(k, v) for k, v in items if (k, v) != (name, value)]
    else:
        items.append((name, value))
    return "?" + urlencode(items), selected


def facet_groups(params, results: SearchResults, labels: dict[str, str]) -> list[dict]:
    """Facets shaped for templates: label, values with counts, toggle URLs, selection."""
    type_labels = registry.type_labels()
    groups = []
    for name, values in results.facets.items():
        if not values:
            continue
        entries = []
        for fv in values:
            url, selected = _toggle_url(params, name, fv.value)
            display = (
                type_labels.get(fv.value, fv.value) if name == "type" else fv.value
            )
            entries.append(
                {
                    "value": fv.value,
                    "label": display,
                    "count": fv.count,
                    "url": url,
                    "selected": selected,
                }
            )
        if name == "year":
            entries.sort(key=lambda e: e["value"], reverse=True)
        groups.append(
            {"name": name, "label": labels.get(name, name), "values": entries}
        )
    return groups


def page_links(params, results: SearchResults) -> list[dict]:
    """A compact window of page numbers with URLs (None marks a gap)."""
    current, last = results.page, results.num_pages
    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links, previous = [], 0
    base = [(k, v) for k in params for v in params.getlist(k) if k != "page"]
    for n in numbers:
        if n - previous > 1:
            links.append({"number": None})
        links.append(
            {
                "number": n,
                "url": "?" + urlencode([*base, ("page", n)]),
                "current": n == current,
            }
        )
        previous = n
    return links


def hit_dict(hit, type_labels: dict[str, str]) -> dict:
    """One result shaped for templates."""
    return {
        "type": hit.type,
        "type_label": type_labels.get(hit.type, hit.type),
        "title_html": hit.title_html,
        "snippet_html": hit.snippet_html,
        "url": hit.url,
        "date": hit.date,
        "extra": hit.extra,
        "external_id": hit.external_id,
    }


class SearchView(TemplateView):
    """The search page; subclass (or pass as_view kwargs) to fix types and facets."""

    template_name = "search/search.html"
    fixed_types: list[str] = []
    facet_names: list[str] | None = None
    extra_facet_labels: dict[str, str] = {}
    page_size = 10
    heading = "站内搜索"
    browse_without_query = False

    def get_facet_names(self, criteria: SearchCriteria) -> list[str]:
        """Facets to count; by default the type facet, year, and the chosen type's own."""
        if self.facet_names is not None:
            return list(self.facet_names)
        names = ["type", "year"]
        chosen = self.fixed_types or criteria.types
        if len(chosen) == 1:
            source = registry.source_for_type(chosen[0])
            if source:
                names += [n for n in source.facet_labels if n not in names]
        return names

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except SearchUnavailable:
            logger.warning("search engine unavailable", exc_info=True)
            response = self.response_class(
                request=request,
                template="search/unavailable.html",
                context={
                    "heading": self.heading,
                    "message": UNAVAILABLE_MESSAGE,
                    # The words stay in the box and one click asks again.
                    "search_query": clean_text(request.GET.get("q")),
                    "retry_url": request.get_full_path(),
                },
                status=503,
            )
            response["Retry-After"] = "30"
            return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        all_facets = set(self.facet_names or [])
        for source in registry.sources():
            all_facets |= set(source.facet_labels)
        all_facets.add("year")
        criteria = read_criteria(
            params, facet_names=sorted(all_facets), page_size=self.page_size
        )
        facet_names = self.get_facet_names(criteria)
        criteria.filters = {
            k: v for k, v in criteria.filters.items() if k in facet_names
        }
        context.update(
            criteria=criteria,
            search_query=criteria.q,
            heading=self.heading,
            sort_labels=SORT_LABELS,
            mode_labels=MODE_LABELS,
            scope_labels=SCOPE_LABELS,
            fixed_types=self.fixed_types,
            results=None,
        )
        if not (criteria.q or (self.browse_without_query or criteria.has_criteria())):
            context["tips"] = True
            return context
        query = build_query(
            criteria, fixed_types=self.fixed_types, facet_names=facet_names
        )
        results = execute(query)
        log_query(criteria, results)
        labels = facet_labels(self.extra_facet_labels)
        type_labels = registry.type_labels()
        context.update(
            query=query,
            results=results,
            hits=[hit_dict(h, type_labels) for h in results.hits],
            facets=facet_groups(params, results, labels),
            pages=page_links(params, results) if results.num_pages > 1 else [],
            first_number=query.offset + 1,
            picks=editors_picks(criteria.q)
            if criteria.q and criteria.page == 1
            else [],
            did_you_mean=suggestions(criteria.q, limit=5)
            if criteria.q and results.total == 0
            else [],
            tips=results.total == 0,
        )
        return context


def results_payload(query: SearchQuery, results: SearchResults) -> dict:
    """The JSON API body for a query's results."""
    return {
        "query": query.text,
        "total": results.total,
        "page": results.page,
        "page_size": results.page_size,
        "num_pages": results.num_pages,
        "relaxed": results.relaxed,
        "index_missing": results.index_missing,
        "results": [
            {
                "type": h.type,
                "title": h.title,
                "url": h.url,
                "snippet": h.snippet_html,
                "date": h.date.isoformat() if h.date else None,
                "external_id": h.external_id,
            }
            for h in results.hits
        ],
        "facets": {
            name: [{"value": f.value, "count": f.count} for f in values]
            for name, values in results.facets.items()
        },
    }


def unavailable_json(body: dict) -> JsonResponse:
    """503 with the Chinese message, for the JSON endpoints."""
    response = JsonResponse(
        {"error": UNAVAILABLE_MESSAGE, **body},
        status=503,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = "30"
    return response


@require_GET
@never_cache
def api_search(request):
    """GET /api/search?q=…&type=…&page=…&page_size=… → JSON results with facets."""
    names = set()
    for source in registry.sources():
        names |= set(source.facet_labels)
    names.add("year")
    criteria = read_criteria(request.GET, facet_names=sorted(names))
    if not criteria.has_criteria():
        return JsonResponse(
            {
                "error": "请提供搜索词 q，或至少一个筛选条件。",
                "total": 0,
                "results": [],
                "facets": {},
            },
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    facet_names = ["type", "year"]
    if len(criteria.types) == 1 and (
        source := registry.source_for_type(criteria.types[0])
    ):
        facet_names += [n for n in source.facet_labels if n not in facet_names]
    query = build_query(criteria, fixed_types=criteria.types, facet_names=facet_names)
    try:
        results = execute(query)
    except SearchUnavailable:
        logger.warning("search engine unavailable", exc_info=True)
        return unavailable_json({"total": 0, "results": [], "facets": {}})
    log_query(criteria, results)
    payload = results_payload(query, results)
    if criteria.warnings:
        payload["warnings"] = criteria.warnings
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@require_GET
def suggest(request):
    """GET /search/suggest?q=… → {"query", "suggestions": [text, …]} for type-ahead."""
    q = clean_text(request.GET.get("q"))[:40]
    limit = lenient_int(request.GET, "limit", 8, 15)
    try:
        items = suggestions(q, limit=limit) if q else []
    except SearchUnavailable:
        return unavailable_json({"query": q, "suggestions": []})
    response = JsonResponse(
        {"query": q, "suggestions": items}, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=60"
    return response
