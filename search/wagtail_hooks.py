"""Admin: synonyms as snippets, and the search report (popular and zero-result queries)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from home.params import choice_param
from search.models import PendingIndexUpdate, QueryStat, Synonym

REPORT_PERMISSION = "search.view_querystat"
PERIODS = {7: "最近 7 天", 30: "最近 30 天", 90: "最近 90 天", 365: "最近一年"}


class SynonymViewSet(SnippetViewSet):
    """Staff edit 简称 ↔ 全称 pairs; search applies them at query time."""

    model = Synonym
    icon = "list-ul"
    menu_label = "搜索同义词"
    menu_order = 800
    add_to_settings_menu = True
    list_display = ["term", "alternatives", "enabled", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["term", "alternatives"]


register_snippet(SynonymViewSet)


class QueryReportView(WagtailAdminTemplateMixin, TemplateView):
    """Popular queries and queries that found nothing, over a chosen period."""

    template_name = "search/admin/query_report.html"
    page_title = "搜索统计"
    header_icon = "search"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = int(
            choice_param(self.request.GET, "days", map(str, PERIODS), default="30")
        )
        since = timezone.localdate() - datetime.timedelta(days=days - 1)
        stats = QueryStat.objects.since(since)
        searches = sum(row["searches"] for row in stats.popular())
        zero = sum(row["zero"] for row in stats.popular())
        context.update(
            days=days,
            periods=PERIODS,
            popular=list(stats.popular()[:50]),
            zero_results=list(stats.zero_results()[:50]),
            total_searches=searches,
            total_zero=zero,
            zero_rate=f"{zero / searches:.0%}" if searches else "—",
            search_url=reverse("search:search"),
            pending_updates=PendingIndexUpdate.objects.count(),
            oldest_pending=PendingIndexUpdate.objects.order_by("created_at").first(),
        )
        return context


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(REPORT_PERMISSION)


@hooks.register("register_admin_urls")
def register_search_report_url():
    return [
        path("search-report/", QueryReportView.as_view(), name="search_query_report")
    ]


@hooks.register("register_reports_menu_item")
def register_search_report_menu_item():
    return ReportMenuItem(
        "搜索统计", reverse("search_query_report"), icon_name="search", order=900
    )
