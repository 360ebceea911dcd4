"""python manage.py restore ARCHIVE: bring a backup back, then rebuild the search index."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, restore


class Command(BaseCommand):
    help = (
        "从备份恢复站点：先核对每个文件的校验值，再恢复数据库与文件，最后重建搜索索引。"
        "会覆盖当前数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="manage.py backup 写出的 .tar.gz 文件")
        parser.add_argument(
            "--yes", action="store_true", help="不再确认，直接覆盖当前数据"
        )

    def handle(self, *args, archive, yes=False, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"找不到备份文件：{path}")
        if not yes and options.get("interactive", True):
            answer = input("恢复将覆盖当前数据库和文件。输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何改动。")
        try:
            result = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = "、".join(
            f"{name} {count} 个" for name, count in result["files"].items()
        )
        self.stdout.write(f"已恢复 {result['created']} 的备份：数据库；文件 {files}。")
        call_command("rebuild_search_index", "--no-progress", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("恢复完成。"))
