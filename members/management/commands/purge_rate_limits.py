"""Hourly: delete the database's rate-limit counters whose window has passed."""

from django.core.management.base import BaseCommand

from members.ratelimit import purge_expired


class Command(BaseCommand):
    help = "删除已过期的频率限制计数（数据库计数；Redis 计数自行过期）"

    def handle(self, *args, **options):
        self.stdout.write(f"删除过期计数 {purge_expired()} 条")
