"""Admin screen: the publishing statistics report."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from home.params import year_param

from . import stats


class PublishingStatsView(
    PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView
):
    """Articles per 党组织 per month and per column, ranking, stale-column warnings."""

    permission_required = "news.view_publishing_stats"
    template_name = "news/admin/publishing_stats.html"
    page_title = "新闻发布统计"
    header_icon = "table"

    def get_year(self) -> int:
        current = timezone.localdate().year
        return year_param(
            self.request.GET, "year", default=current, maximum=current + 1
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.get_year()
        branches = stats.by_branch_and_month(year)
        columns = stats.by_column(year)
        freshness = stats.column_freshness()
        current = timezone.localdate().year
        context.update(
            year=year,
            years=list(range(current, current - 5, -1)),
            months=stats.months_of(year),
            branch_rows=branches,
            column_rows=columns,
            freshness=freshness,
            stale=[f for f in freshness if f.is_stale],
            total=sum(r["total"] for r in columns),
        )
        return context
