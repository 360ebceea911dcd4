"""Publishing statistics for staff: per organisation, month and column; freshness."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import NewsArticlePage, NewsColumn


@dataclass
class ColumnFreshness:
    column: NewsColumn
    last_published: datetime | None
    days_since: int | None

    @property
    def is_stale(self) -> bool:
        return self.days_since is None or self.days_since > self.column.freshness_days


def _published_in(year: int):
    # Without the page tree's ordering, which would join the GROUP BY of the counts
    # below and split each (column, month) group into one row per article.
    return (
        NewsArticlePage.objects.live().filter(first_published_at__year=year).order_by()
    )


def months_of(year: int) -> list[date]:
    return [date(year, month, 1) for month in range(1, 13)]


def by_branch_and_month(year: int) -> list[dict]:
    """One row per organisation: name, counts for each month, total; most first."""
    rows: dict[object, dict] = {}
    counts = (
        _published_in(year)
        .annotate(month=TruncMonth("first_published_at"))
        .values("branch_id", "branch__name", "month")
        .annotate(n=Count("pk"))
    )
    for item in counts:
        row = rows.setdefault(
            item["branch_id"],
            {
                "name": item["branch__name"] or "未指定党组织",
                "months": [0] * 12,
                "total": 0,
            },
        )
        month = item["month"]
        if month is not None:
            row["months"][month.month - 1] += item["n"]
        row["total"] += item["n"]
    ranked = sorted(rows.values(), key=lambda r: (-r["total"], r["name"]))
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    return ranked


def by_column(year: int) -> list[dict]:
    """Articles per column in the year, with monthly counts."""
    counts = {
        (item["column_id"], item["month"].month if item["month"] else 0): item["n"]
        for item in _published_in(year)
        .annotate(month=TruncMonth("first_published_at"))
        .values("column_id", "month")
        .annotate(n=Count("pk"))
    }
    rows = []
    for column in NewsColumn.objects.all():
        months = [counts.get((column.pk, m), 0) for m in range(1, 13)]
        rows.append({"name": column.name, "months": months, "total": sum(months)})
    return rows


def column_freshness(now: datetime | None = None) -> list[ColumnFreshness]:
    """When each column last published, and whether that is longer ago than allowed."""
    now = now or timezone.now()
    latest = dict(
        NewsArticlePage.objects.live()
        .values("column_id")
        .annotate(last=Max("first_published_at"))
        .values_list("column_id", "last")
    )
    result = []
    for column in NewsColumn.objects.all():
        last = latest.get(column.pk)
        days = (now - last).days if last else None
        result.append(ColumnFreshness(column, last, days))
    return result
