"""Write pending article read counts from the cache to the database."""

from django.core.management.base import BaseCommand

from news.readcounts import flush_pending_reads


class Command(BaseCommand):
    help = "把缓存中的新闻阅读次数写入数据库(可由定时任务调用)。"

    def handle(self, *args, **options):
        moved = flush_pending_reads()
        self.stdout.write(f"已写入阅读次数 {moved} 次")
