"""Site search pages and JSON endpoints; the library page reuses SearchView."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from home.params import BadParameter, date_param, int_param
from search import registry
from search.backends import SearchUnavailable
from search.documents import (
    MODE_ALL,
    MODES,
    SCOPE_ALL,
    SCOPES,
    SORT_RELEVANCE,
    SORTS,
    SearchQuery,
    SearchResults,
)
from search.query import clean_text, execute, max_page_size, max_query_chars, parse
from search.suggestions import editors_picks, suggestions

logger = logging.getLogger(__name__)

RESERVED = {"q", "page", "page_size", "sort", "mode", "scope", "from", "to", "type"}
SORT_LABELS = {
    SORT_RELEVANCE: "按相关度",
    "date": "按日期（新→旧）",
    "date_asc": "按日期（旧→新）",
}
MODE_LABELS = {MODE_ALL: "包含全部词语", "any": "包含任一词语"}
SCOPE_LABELS = {SCOPE_ALL: "全文", "title": "仅标题"}
BASE_FACET_LABELS = {"type": "类型", "year": "年份"}
UNAVAILABLE_MESSAGE = "搜索服务暂时不可用，请稍后再试。网站的其他栏目不受影响。"


@dataclass
class SearchForm:
    """What the reader asked for, read leniently from the query string."""

    q: str = ""
    mode: str = MODE_ALL
    scope: str = SCOPE_ALL
    sort: str = SORT_RELEVANCE
    page: int = 1
    page_size: int = 10
    types: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    errors: list[str] = field(default_factory=list)
    truncated: bool = False

    def has_criteria(self) -> bool:
        """True when there is anything to search for (text, type, facet or dates)."""
        return bool(
            self.q or self.types or self.filters or self.date_from or self.date_to
        )


# Pages beyond this are never linked (nor kept by Elasticsearch's result window).
MAX_PAGE = 1000


def _int(params, name: str, default: int, maximum: int) -> int:
    """Searching is lenient: a number above maximum counts as maximum, anything else
    that is not a positive number as the default."""
    try:
        return min(int_param(params, name, default=default, minimum=1), maximum)
    except BadParameter:
        return default


def _date(params, name: str, label: str, errors: list[str]) -> datetime.date | None:
    try:
        return date_param(params, name)
    except BadParameter:
        errors.append(
            f"{label}格式不正确，应为“年-月-日”，例如 2024-01-31；已忽略此条件。"
        )
        return None


def read_form(params, *, facet_names: list[str], page_size: int = 10) -> SearchForm:
    """Parse GET parameters into a SearchForm; bad values become Chinese messages."""
    raw_q = params.get("q", "") or ""
    form = SearchForm(
        q=clean_text(raw_q),
        mode=params.get("mode") if params.get("mode") in MODES else MODE_ALL,
        scope=params.get("scope") if params.get("scope") in SCOPES else SCOPE_ALL,
        sort=params.get("sort") if params.get("sort") in SORTS else SORT_RELEVANCE,
        page=_int(params, "page", 1, MAX_PAGE),
        page_size=_int(params, "page_size", page_size, max_page_size()),
    )
    if len(" ".join(raw_q.split())) > max_query_chars():
        form.truncated = True
        form.errors.append(f"搜索词过长，只使用了前 {max_query_chars()} 个字。")
    known_types = {s.type for s in registry.sources()}
    form.types = [t for t in params.getlist("type") if t in known_types]
    for name in facet_names:
        if name in RESERVED:
            continue
        values = [v[:200] for v in params.getlist(name) if v.strip()][:20]
        if values:
            form.filters[name] = values
    form.date_from = _date(params, "from", "起始日期", form.errors)
    form.date_to = _date(params, "to", "截止日期", form.errors)
    if form.date_from and form.date_to and form.date_from > form.date_to:
        form.errors.append("起始日期晚于截止日期，已互换。")
        form.date_from, form.date_to = form.date_to, form.date_from
    return form


def build_query(
    form: SearchForm, *, fixed_types: list[str], facet_names: list[str]
) -> SearchQuery:
    """The SearchQuery for a form on a page that may fix the document types."""
    from search.synonyms import synonym_map

    filters = dict(form.filters)
    if form.types and not fixed_types:
        filters["type"] = form.types
    return parse(
        form.q,
        mode=form.mode,
        scope=form.scope,
        types=fixed_types,
        filters=filters,
        date_from=form.date_from,
        date_to=form.date_to,
        facets=facet_names,
        sort=form.sort,
        page=form.page,
        page_size=form.page_size,
        synonyms=synonym_map(),
    )


def log_query(form: SearchForm, results: SearchResults) -> None:
    """Count the search in the query log; never breaks the search itself."""
    if not form.q or form.page != 1:
        return
    from search.analysis import normalize
    from search.models import QueryStat

    try:
        QueryStat.record(normalize(form.q), results.total)
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

    def get_facet_names(self, form: SearchForm) -> list[str]:
        """Facets to count; by default the type facet, year, and the chosen type's own."""
        if self.facet_names is not None:
            return list(self.facet_names)
        names = ["type", "year"]
        chosen = self.fixed_types or form.types
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
                context={"heading": self.heading, "message": UNAVAILABLE_MESSAGE},
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
        form = read_form(
            params, facet_names=sorted(all_facets), page_size=self.page_size
        )
        facet_names = self.get_facet_names(form)
        form.filters = {k: v for k, v in form.filters.items() if k in facet_names}
        context.update(
            form=form,
            search_query=form.q,
            heading=self.heading,
            sort_labels=SORT_LABELS,
            mode_labels=MODE_LABELS,
            scope_labels=SCOPE_LABELS,
            fixed_types=self.fixed_types,
            results=None,
        )
        if not (form.q or (self.browse_without_query or form.has_criteria())):
            context["tips"] = True
            return context
        query = build_query(form, fixed_types=self.fixed_types, facet_names=facet_names)
        results = execute(query)
        log_query(form, results)
        labels = facet_labels(self.extra_facet_labels)
        type_labels = registry.type_labels()
        context.update(
            query=query,
            results=results,
            hits=[hit_dict(h, type_labels) for h in results.hits],
            facets=facet_groups(params, results, labels),
            pages=page_links(params, results) if results.num_pages > 1 else [],
            first_number=query.offset + 1,
            picks=editors_picks(form.q) if form.q and form.page == 1 else [],
            did_you_mean=suggestions(form.q, limit=5)
            if form.q and results.total == 0
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
    form = read_form(request.GET, facet_names=sorted(names))
    if not form.has_criteria():
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
    if len(form.types) == 1 and (source := registry.source_for_type(form.types[0])):
        facet_names += [n for n in source.facet_labels if n not in facet_names]
    query = build_query(form, fixed_types=form.types, facet_names=facet_names)
    try:
        results = execute(query)
    except SearchUnavailable:
        logger.warning("search engine unavailable", exc_info=True)
        return unavailable_json({"total": 0, "results": [], "facets": {}})
    log_query(form, results)
    payload = results_payload(query, results)
    if form.errors:
        payload["warnings"] = form.errors
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@require_GET
def suggest(request):
    """GET /search/suggest?q=… → {"query", "suggestions": [text, …]} for type-ahead."""
    q = clean_text(request.GET.get("q"))[:40]
    limit = _int(request.GET, "limit", 8, 15)
    try:
        items = suggestions(q, limit=limit) if q else []
    except SearchUnavailable:
        return unavailable_json({"query": q, "suggestions": []})
    response = JsonResponse(
        {"query": q, "suggestions": items}, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=60"
    return response
