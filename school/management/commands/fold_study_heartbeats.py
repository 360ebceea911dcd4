"""Fold the study heartbeats buffered in Redis into the database (PORTAL_SCHEDULE)."""

from django.core.management.base import BaseCommand

from school import heartbeat_buffer


class Command(BaseCommand):
    help = "把缓存在 Redis 中的学习心跳批量写入数据库（未配置 Redis 时无事可做）。"

    def handle(self, *args, **options):
        if not heartbeat_buffer.enabled():
            return
        folded = heartbeat_buffer.fold_heartbeats()
        if folded and options["verbosity"] > 1:
            self.stdout.write(f"已写入学习心跳 {folded} 条")
