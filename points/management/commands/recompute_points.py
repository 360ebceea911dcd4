"""Rebuild the 学习积分 ledger from the recorded facts (idempotent)."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from points import ledger


class Command(BaseCommand):
    help = "按学习记录、答题记录重新计算学习积分（可重复运行，结果不变）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="只重算最近 N 天有新记录的党员（定时任务用）；不填则重算全部",
        )

    def handle(self, *args, days=None, **options):
        since = None
        if days is not None:
            since = timezone.localdate() - datetime.timedelta(days=max(0, days))
        members, changed = ledger.recompute_all(since)
        self.stdout.write(f"重算 {members} 名党员的学习积分，变动 {changed} 条记录。")
