"""Recompute the yearly study summary behind the statistics from the records."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from school.stats import rebuild_study_years


class Command(BaseCommand):
    help = "按课程完成记录和每日学习时长重新计算年度学习汇总（学习统计报表据此生成）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, action="append", help="年度，可重复；默认今年"
        )
        parser.add_argument(
            "--all", dest="every_year", action="store_true", help="所有有记录的年度"
        )

    def handle(self, *args, year, every_year, **options):
        years = None if every_year else (year or [timezone.localdate().year])
        for each, rows in rebuild_study_years(years).items():
            self.stdout.write(f"{each} 年：{rows} 名党员的汇总已重新计算")
