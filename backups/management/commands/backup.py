"""python manage.py backup [--output DIR]: one consistent archive of the site's data."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, create


class Command(BaseCommand):
    help = "备份站点数据：数据库、上传文件、课程视频与信箱附件，带清单与校验值。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.VAR_DIR) / "backups"),
            help="备份文件存放目录（默认 var/backups/）",
        )

    def handle(self, *args, output, **options):
        try:
            archive = create(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = archive.stat().st_size / 1024 / 1024
        self.stdout.write(
            self.style.SUCCESS(f"已写入备份 {archive}（{size:.1f} MB）。")
        )
