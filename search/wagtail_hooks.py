"""Admin: synonyms as snippets, and the search report (popular and zero-result queries)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Sum
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from members.reports import ReportView
from search.models import PendingIndexUpdate, QueryStat, Synonym

REPORT_PERMISSION = "search.view_querystat"
PERIODS = {7: "最近 7 天", 30: "最近 30 天", 90: "最近 90 天", 365: "最近一年"}
DEFAULT_DAYS = "30"
TABLES = {"popular": "热门搜索词", "zero": "无结果的搜索词"}


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


class QueryReportFilterSet(WagtailFilterSet):
    """The period, and which list: every query, or those that found nothing."""

    days = django_filters.ChoiceFilter(
        label="统计区间",
        choices=[(str(days), label) for days, label in PERIODS.items()],
        empty_label=None,
        initial=DEFAULT_DAYS,
        method="filter_days",
    )
    table = django_filters.ChoiceFilter(
        label="列表",
        choices=list(TABLES.items()),
        empty_label=None,
        initial="popular",
        widget=forms.RadioSelect,
        method="filter_table",
    )

    class Meta:
        model = QueryStat
        fields = []

    def filter_days(self, queryset, name, value):
        return queryset.since(since_day(int(value)))

    def filter_table(self, queryset, name, value):
        return queryset.filter(zero_results__gt=0) if value == "zero" else queryset


def since_day(days: int):
    return timezone.localdate() - datetime.timedelta(days=days - 1)


class QueryReportView(ReportView):
    """Popular queries and queries that found nothing, over a chosen period."""

    page_title = "搜索统计"
    header_icon = "search"
    results_template_name = "search/admin/query_report_results.html"
    index_url_name = "search_query_report"
    index_results_url_name = "search_query_report_results"
    permission_policy = ModelPermissionPolicy(QueryStat)
    permission_required = "view"
    forbidden_message = "您没有查看搜索统计的权限。"
    forbidden_hint = "搜索统计供站点管理员和宣传员查看。如需开通，请联系站点管理员。"
    filterset_class = QueryReportFilterSet
    filter_defaults = {"days": DEFAULT_DAYS, "table": "popular"}
    no_results_message = "该区间内还没有搜索记录。"
    verbose_name_plural = "个搜索词"
    list_export = ["query", "searches", "zero"]
    export_headings = {"query": "搜索词", "searches": "搜索次数", "zero": "无结果次数"}

    @cached_property
    def columns(self):
        search_url = reverse("search:search")
        return [
            TitleColumn(
                "query",
                label="搜索词",
                get_url=lambda row: f"{search_url}?{urlencode({'q': row['query']})}",
                link_attrs={"target": "_blank", "rel": "noopener"},
            ),
            Column("searches", label="搜索次数"),
            Column("zero", label="无结果次数"),
        ]

    @cached_property
    def table(self) -> str:
        return self.filters.form.cleaned_data["table"]

    @cached_property
    def days(self) -> int:
        return int(self.filters.form.cleaned_data["days"])

    def get_queryset(self):
        return self.filter_queryset(QueryStat.objects.all()).popular()

    def get_filename(self):
        return f"搜索统计-{TABLES[self.table]}-{PERIODS[self.days]}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = QueryStat.objects.since(since_day(self.days)).aggregate(
            searches=Sum("searches"), zero=Sum("zero_results")
        )
        searches, zero = period["searches"] or 0, period["zero"] or 0
        if self.table == "zero":
            context["no_results_message"] = "该区间内没有无结果的搜索。"
        context.update(
            table_name=self.table,
            table_title=TABLES[self.table],
            total_searches=searches,
            total_zero=zero,
            zero_rate=f"{zero / searches:.0%}" if searches else "—",
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
        path("search-report/", QueryReportView.as_view(), name="search_query_report"),
        path(
            "search-report/results/",
            QueryReportView.as_view(results_only=True),
            name="search_query_report_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_search_report_menu_item():
    return ReportMenuItem(
        "搜索统计", reverse("search_query_report"), icon_name="search", order=900
    )
