"""Admin screen: the publishing statistics report, on Wagtail's ReportView."""

import django_filters
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column

from members.reports import ReportView, keep_queryset, table_filter

from . import stats
from .models import NewsArticlePage

TABLES = {
    "branches": "各党组织发稿排名",
    "columns": "各栏目发稿情况",
    "freshness": "栏目更新情况",
}
FIRST_YEAR = 2000


def _years():
    current = timezone.localdate().year
    return [(str(y), f"{y} 年") for y in range(current + 1, FIRST_YEAR - 1, -1)]


class PublishingStatsFilterSet(WagtailFilterSet):
    year = django_filters.ChoiceFilter(
        label="统计年度", choices=_years, empty_label=None, method=keep_queryset
    )
    table = table_filter(list(TABLES.items()))

    class Meta:
        model = NewsArticlePage
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["year"].initial = str(timezone.localdate().year)


def _count(index):
    return lambda row: row["months"][index] or ""


def _month_columns():
    return [
        Column(f"m{n}", label=f"{n}月", accessor=_count(n - 1)) for n in range(1, 13)
    ]


def _total(row):
    return format_html("<strong>{}</strong>", row["total"])


def _when(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else ""


class PublishingStatsView(ReportView):
    """Articles per 党组织 per month and per column, ranking, stale-column warnings."""

    page_title = "新闻发布统计"
    header_icon = "table"
    results_template_name = "news/admin/publishing_stats_results.html"
    index_url_name = "news_publishing_stats"
    index_results_url_name = "news_publishing_stats_results"
    required_permission = "news.view_publishing_stats"
    forbidden_message = "您没有查看新闻发布统计的权限。"
    forbidden_hint = (
        "新闻发布统计供站点管理员、宣传员和审核员查看。如需开通，请联系站点管理员。"
    )
    filterset_class = PublishingStatsFilterSet
    paginate_by = 100
    no_results_message = "该年度暂无发布。"

    @property
    def filter_defaults(self):
        return {"year": str(timezone.localdate().year), "table": "branches"}

    @property
    def verbose_name_plural(self):
        return "个党组织" if self.table == "branches" else "个栏目"

    @cached_property
    def year(self) -> int:
        return int(self.filters.form.cleaned_data["year"])

    @cached_property
    def table(self) -> str:
        return self.filters.form.cleaned_data["table"]

    @cached_property
    def columns(self):
        if self.table == "freshness":
            return [
                Column("name", label="栏目", accessor="column.name"),
                Column("last", label="最近发布", accessor=self.last_published),
                Column("days", label="距今天数", accessor=self.days_since),
                Column("interval", label="更新周期", accessor=self.interval),
                Column("state", label="状态", accessor=self.state_cell),
            ]
        first = [Column("name", label="栏目")]
        if self.table == "branches":
            first = [Column("rank", label="排名"), Column("name", label="党组织")]
        return [
            *first,
            *_month_columns(),
            Column("total", label="合计", accessor=_total),
        ]

    # The freshness table's cells, in the page and in the export

    @staticmethod
    def last_published(row):
        return _when(row.last_published) if row.last_published else "从未发布"

    @staticmethod
    def days_since(row):
        return f"{row.days_since} 天" if row.days_since is not None else "—"

    @staticmethod
    def interval(row):
        return f"{row.column.freshness_days} 天"

    @staticmethod
    def state(row):
        return "更新不及时" if row.is_stale else "正常"

    @classmethod
    def state_cell(cls, row):
        if row.is_stale:
            return format_html(
                '<strong class="w-text-critical-200">{}</strong>', cls.state(row)
            )
        return cls.state(row)

    @property
    def list_export(self):
        if self.table == "freshness":
            return ["column.name", "last", "days", "interval", "state"]
        first = ["rank", "name"] if self.table == "branches" else ["name"]
        return [*first, *(f"months.{n}" for n in range(12)), "total"]

    @property
    def export_headings(self):
        headings = {column.name: column.label for column in self.columns}
        headings.update({f"months.{n - 1}": f"{n}月" for n in range(1, 13)})
        headings["column.name"] = "栏目"
        return headings

    def to_row_dict(self, item):
        if self.table != "freshness":
            return super().to_row_dict(item)
        return {
            "column.name": item.column.name,
            "last": self.last_published(item),
            "days": self.days_since(item),
            "interval": self.interval(item),
            "state": self.state(item),
        }

    @cached_property
    def column_rows(self):
        return stats.by_column(self.year)

    @cached_property
    def freshness(self):
        return stats.column_freshness()

    def get_queryset(self):
        if self.table == "branches":
            return stats.by_branch_and_month(self.year)
        if self.table == "columns":
            return self.column_rows
        return self.freshness

    def get_filename(self):
        if self.table == "freshness":
            return f"新闻发布统计-{TABLES[self.table]}"
        return f"新闻发布统计-{TABLES[self.table]}-{self.year}年"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        title = TABLES[self.table]
        if self.table != "freshness":
            title = f"{title}（{self.year} 年，按月）"
        context.update(
            wide=self.table != "freshness",
            year=self.year,
            table_title=title,
            stale=[f for f in self.freshness if f.is_stale],
            total=sum(r["total"] for r in self.column_rows),
        )
        return context
