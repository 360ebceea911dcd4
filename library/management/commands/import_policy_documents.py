"""Import policy documents from a JSON Lines file (.jsonl/.jsonl.gz) or a folder."""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from library.importers import BATCH_SIZE, ImportError_, import_documents, open_text


class Command(BaseCommand):
    help = "导入政策文件：JSON Lines 文件（可 gzip 压缩）或含 metadata.csv 的文件夹；按编号更新，不重复。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON Lines 文件或文件夹路径")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--no-index", action="store_true", help="不更新站内搜索索引"
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="并行建索引的进程数（默认：CPU 核数减一；内存数据库时为 0）",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"路径不存在：{path}")
        total = None
        if path.is_file():
            with open_text(path) as handle:
                total = sum(1 for line in handle if line.strip())
        bar = tqdm(
            total=total,
            unit="篇",
            desc="导入",
            disable=options["no_progress"],
            file=sys.stderr,
        )
        try:
            report = import_documents(
                path,
                batch_size=options["batch_size"],
                index=not options["no_index"],
                progress=bar.update,
                workers=_workers(options["workers"]),
            )
        except ImportError_ as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        for problem in report.problems:
            self.stderr.write(f"跳过 {problem.location}：{problem.reason}")
        self.stdout.write(report.summary())


def _workers(requested: int | None) -> int:
    """Worker processes for indexing: none inside a transaction or an in-memory database."""
    from django.db import connection

    if connection.in_atomic_block:
        return 0  # workers could not see rows of a transaction still open here
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 0
    if requested is not None:
        return max(0, requested)
    return max(0, min(4, (os.cpu_count() or 1) - 1))
