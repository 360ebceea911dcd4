"""python manage.py repair_search_index: retry deferred index updates, repair drift."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from search import indexing
from search.backends import IndexBusy, SearchUnavailable, get_backend
from search.models import PendingIndexUpdate


class Command(BaseCommand):
    help = (
        "修复站内搜索索引：重试因搜索引擎故障而推迟的索引更新；"
        "若索引中的文档数与应索引的对象数不一致，重建索引。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-rebuild", action="store_true", help="只重试推迟的更新，不重建"
        )

    def handle(self, *args, no_rebuild=False, **options):
        done, failed = indexing.repair_pending()
        if done or failed:
            self.stdout.write(f"推迟的索引更新：成功 {done} 条，仍失败 {failed} 条。")
        if failed or PendingIndexUpdate.objects.exists() or no_rebuild:
            return
        try:
            indexed = get_backend().count()
            expected = indexing.count_indexable()
            if indexed == expected:
                return
            self.stdout.write(
                f"索引中有 {indexed} 篇，应有 {expected} 篇：开始重建索引。"
            )
            written = indexing.rebuild()
        except SearchUnavailable:
            self.stderr.write("搜索引擎暂时不可用，稍后再试。")
            return
        except IndexBusy as exc:
            self.stderr.write(str(exc))
            return
        self.stdout.write(self.style.SUCCESS(f"已重建索引，共 {written} 篇。"))
