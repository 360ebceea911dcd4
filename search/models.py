"""Staff-edited synonyms and the query log."""

from __future__ import annotations

from django.db import connection, models
from django.db.models import Sum
from django.utils import timezone


def _split_alternatives(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Synonym(models.Model):
    """A term and its equivalents (简称 ↔ 全称), applied in both directions at query time."""

    term = models.CharField("词语", max_length=100, unique=True)
    alternatives = models.TextField(
        "同义词",
        help_text="每行一个；例如“两学一做”的全称。搜索任一写法都会同时查找其他写法。",
    )
    enabled = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "同义词"
        verbose_name_plural = "同义词"
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term

    def alternative_list(self) -> list[str]:
        """The equivalents, one per non-empty line."""
        return _split_alternatives(self.alternatives)


class QueryStatQuerySet(models.QuerySet):
    def since(self, day):
        return self.filter(day__gte=day)

    def popular(self):
        """Queries by number of searches, most first."""
        return (
            self.values("query")
            .annotate(searches=Sum("searches"), zero=Sum("zero_results"))
            .order_by("-searches", "query")
        )

    def zero_results(self):
        """Queries that found nothing at least once, most frequent first."""
        return self.filter(zero_results__gt=0).popular()


class QueryStat(models.Model):
    """Searches per normalised query per day, and how many of them found nothing."""

    query = models.CharField("搜索词", max_length=100)
    day = models.DateField("日期", default=timezone.localdate)
    searches = models.PositiveIntegerField("搜索次数", default=0)
    zero_results = models.PositiveIntegerField("无结果次数", default=0)
    last_total = models.PositiveIntegerField("最近结果数", default=0)

    objects = QueryStatQuerySet.as_manager()

    class Meta:
        verbose_name = "搜索记录"
        verbose_name_plural = "搜索记录"
        constraints = [
            models.UniqueConstraint(
                fields=["query", "day"], name="search_querystat_query_day"
            )
        ]
        indexes = [models.Index(fields=["day", "query"])]

    def __str__(self) -> str:
        return f"{self.query} ({self.day})"

    @classmethod
    def record(cls, query: str, total: int) -> None:
        """Count one search of a query for today, in one upsert statement."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (query, day, searches, zero_results, last_total)"  # noqa: S608
                " VALUES (%s, %s, 1, %s, %s) ON CONFLICT (query, day) DO UPDATE SET"
                f" searches = {table}.searches + 1,"
                f" zero_results = {table}.zero_results + excluded.zero_results,"
                " last_total = excluded.last_total",
                [query[:100], timezone.localdate(), 1 if total == 0 else 0, total],
            )


class PendingIndexUpdate(models.Model):
    """An index update that failed (engine down or refusing); retried by
    ``manage.py repair_search_index`` until it succeeds."""

    key = models.CharField("文档键", max_length=200, unique=True)
    model_label = models.CharField("模型", max_length=100, blank=True)
    object_pk = models.CharField("对象编号", max_length=64, blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=1)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("首次失败", auto_now_add=True)
    updated_at = models.DateTimeField("最近失败", auto_now=True)

    class Meta:
        verbose_name = "待重试的索引更新"
        verbose_name_plural = "待重试的索引更新"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.key
