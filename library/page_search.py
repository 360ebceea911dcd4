"""What the library page shows: the site search pre-filtered to policy documents, with
its facets (PolicyLibraryPage.serve renders through serve_library; library has no URLs
of its own).

Keyword search, browsing and facet counts all go through ``search.views.SearchView``;
if the search engine fails, readers can still browse and filter from the database.
"""

from __future__ import annotations

import logging

from django.core.paginator import Paginator
from django.db.models import Count, DateField, Q
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.html import escape

from home.params import BadParameter, year_param
from library.models import PolicyDocumentPage, Validity
from library.search_sources import FACET_LABELS
from search.backends import SearchUnavailable
from search.documents import FacetValue, SearchResults
from search.forms import read_criteria
from search.views import SearchView, facet_groups, page_links

logger = logging.getLogger(__name__)


def _year(value: str) -> int | None:
    """A year facet value; anything else is ignored, as search ignores bad filters."""
    try:
        return year_param({"year": value}, "year", minimum=1900, maximum=2100)
    except BadParameter:
        return None


FACETS = list(FACET_LABELS)


class LibrarySearchView(SearchView):
    """SearchView fixed to policy documents, listing by date when there is no query."""

    template_name = "library/policy_library_page.html"
    fixed_types = ["policy"]
    facet_names = FACETS
    extra_facet_labels = FACET_LABELS
    browse_without_query = True
    library = None

    def get_context_data(self, **kwargs):
        try:
            context = super().get_context_data(**kwargs)
        except SearchUnavailable:
            logger.warning(
                "search engine unavailable; the library browses the database"
            )
            context = self.fallback_context()
        context["facets"] = shape_facets(context.get("facets") or [])
        context.update(page=self.library, self=self.library, heading=self.library.title)
        return context

    def fallback_context(self) -> dict:
        """Browse and filter from the database when the engine is unavailable."""
        criteria = read_criteria(
            self.request.GET, facet_names=FACETS, page_size=self.page_size
        )
        results, documents = browse(self.library, criteria)
        return {
            "view": self,
            "criteria": criteria,
            "search_query": criteria.q,
            "heading": self.library.title,
            "fixed_types": self.fixed_types,
            "results": results,
            "engine_error": True,
            "hits": [
                {
                    "type": "policy",
                    "type_label": "政策文件",
                    "title_html": escape(doc.title),
                    "snippet_html": "",
                    "url": doc.url,
                    "date": doc.publish_date or doc.written_date,
                    "extra": {
                        "doc_number": doc.doc_number,
                        "issuer": doc.issuer,
                        "validity": doc.validity,
                    },
                }
                for doc in documents
            ],
            "facets": facet_groups(self.request.GET, results, FACET_LABELS),
            "pages": page_links(self.request.GET, results)
            if results.num_pages > 1
            else [],
            "first_number": (results.page - 1) * results.page_size + 1,
        }


def serve_library(library, request):
    """Render the library page (called from PolicyLibraryPage.serve)."""
    view = LibrarySearchView.as_view(library=library, page_size=library.per_page or 20)
    return view(request)


def shape_facets(groups: list[dict]) -> list[dict]:
    """Order values (years newest first, validity in its natural order) and nest
    sub-topics of 主题分类 under their topic, shown once the topic is chosen."""
    order = {"validity": list(Validity.values)}
    shaped = []
    for group in groups:
        name, values = group["name"], list(group["values"])
        if name == "year":
            for entry in values:
                entry["label"] = f"{entry['value']}年"
        if name in order:
            known = order[name]
            values.sort(
                key=lambda e: known.index(e["value"]) if e["value"] in known else 99
            )
        if name == "category":
            values = _nest_categories(values)
        shaped.append({**group, "values": values})
    by_name = {g["name"]: g for g in shaped}
    return [by_name[n] for n in FACETS if n in by_name] + [
        g for g in shaped if g["name"] not in FACETS
    ]


def _nest_categories(values: list[dict]) -> list[dict]:
    tops = [dict(v, children=[]) for v in values if "/" not in v["value"]]
    index = {t["value"]: t for t in tops}
    for entry in values:
        top, _, sub = entry["value"].partition("/")
        if sub and top in index:
            index[top]["children"].append(dict(entry, label=sub))
    for top in tops:
        if not (top["selected"] or any(c["selected"] for c in top["children"])):
            top["children"] = []
    return tops


def _year_expr():
    return ExtractYear(
        Coalesce("publish_date", "written_date", output_field=DateField())
    )


def browse(library, criteria) -> tuple[SearchResults, list[PolicyDocumentPage]]:
    """Documents under the library by filters alone, newest first, with facet counts."""
    queryset = (
        PolicyDocumentPage.objects.live()
        .public()
        .child_of(library)
        .annotate(pub_year=_year_expr())
    )
    filters = criteria.filters
    for name, column in (
        ("issuer", "issuer"),
        ("doc_type", "doc_type"),
        ("validity", "validity"),
    ):
        if name in filters:
            queryset = queryset.filter(**{f"{column}__in": filters[name]})
    if "year" in filters:
        years = [year for year in map(_year, filters["year"]) if year]
        queryset = queryset.filter(pub_year__in=years)
    for value in filters.get("category", []):
        top, _, sub = value.partition("/")
        if sub:
            queryset = queryset.filter(category__name=sub, category__parent__name=top)
        else:
            queryset = queryset.filter(
                Q(category__parent=None, category__name=top)
                | Q(category__parent__name=top)
            )
    facets: dict[str, list[FacetValue]] = {}
    for name, column in (
        ("issuer", "issuer"),
        ("year", "pub_year"),
        ("doc_type", "doc_type"),
        ("validity", "validity"),
    ):
        rows = queryset.order_by().values(column).annotate(n=Count("pk"))
        facets[name] = sorted(
            (
                FacetValue(str(r[column]), r["n"])
                for r in rows
                if r[column] not in (None, "")
            ),
            key=lambda f: -f.count,
        )
    category_counts: dict[str, int] = {}
    rows = (
        queryset.order_by()
        .exclude(category=None)
        .values("category__name", "category__parent__name")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        top = row["category__parent__name"] or row["category__name"]
        category_counts[top] = category_counts.get(top, 0) + row["n"]
        if row["category__parent__name"]:
            key = f"{top}/{row['category__name']}"
            category_counts[key] = category_counts.get(key, 0) + row["n"]
    facets["category"] = [FacetValue(k, v) for k, v in category_counts.items()]
    order = (
        ["publish_date", "pk"]
        if criteria.sort == "date_asc"
        else ["-publish_date", "-pk"]
    )
    paginator = Paginator(queryset.for_listing().order_by(*order), criteria.page_size)
    page = paginator.get_page(criteria.page)
    results = SearchResults(
        total=paginator.count,
        hits=[],
        facets=facets,
        page=page.number,
        page_size=criteria.page_size,
    )
    return results, list(page.object_list)
