"""Create the news index with its review workflow and role permissions."""

from django.core.management.base import BaseCommand

from news.services import install_news_section


class Command(BaseCommand):
    help = "创建新闻中心页面、审核流程和角色权限(可重复执行)。"

    def handle(self, *args, **options):
        index = install_news_section()
        self.stdout.write(f"新闻中心:{index.url}(已配置审核流程与权限)")
