"""python manage.py rebuild_search_index: build a fresh index from every source and swap it in."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from elastic_transport import TransportError
from tqdm import tqdm

from search import indexing, registry
from search.backends import IndexBusy, SearchUnavailable
from search.backends.base import backend_settings


class Command(BaseCommand):
    help = (
        "重建站内搜索索引：从所有已注册的内容源建立新索引，完成后原子切换"
        "（随时可运行；重建期间搜索照常，发布和删除不会丢失）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", default=None, help="只重建该别名（默认全部）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, backend=None, no_progress=False, **options):
        aliases = [backend] if backend else list(backend_settings())
        total = indexing.count_indexable()
        types = "、".join(s.label or s.type for s in registry.sources()) or "（无）"
        self.stdout.write(f"内容源：{types}；待索引对象约 {total} 个。")
        for alias in aliases:
            started = time.perf_counter()
            with tqdm(
                total=total,
                desc=f"索引 {alias}",
                unit="篇",
                disable=no_progress,
                file=self.stderr._out,
            ) as bar:
                try:
                    written = indexing.rebuild(alias=alias, progress=bar.update)
                except IndexBusy as exc:
                    raise CommandError(str(exc)) from exc
                except (SearchUnavailable, TransportError) as exc:
                    raise CommandError(
                        f"无法连接搜索引擎（{alias}）：{exc}。原有索引保持不变，请稍后重试。"
                    ) from exc
            elapsed = time.perf_counter() - started
            rate = written / elapsed if elapsed else 0
            self.stdout.write(
                self.style.SUCCESS(
                    f"{alias}：已重建，共 {written} 篇，用时 {elapsed:.1f} 秒（{rate:.0f} 篇/秒）。"
                )
            )
