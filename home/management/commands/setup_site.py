"""python manage.py setup_site --name … --domain …: a site ready for real content.

Sets the Wagtail Site (name, host, port) and installs every section of
PORTAL_SITE_SECTIONS (news with its columns and review workflow, the library, the
school), each with its role groups' page and collection permissions. Idempotent;
``load_demo`` runs the same installers and only adds demo content on top.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string
from wagtail.models import Site

from home.models import HomePage


def install_sections() -> list[str]:
    """Run each section installer of PORTAL_SITE_SECTIONS; their page titles."""
    return [import_string(path)().title for path in settings.PORTAL_SITE_SECTIONS]


class Command(BaseCommand):
    help = "初始化站点（不含演示内容）：站点名称与域名，各栏目页面及各角色的页面、文档权限。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", required=True, help="站点名称，例如 某某集团党建网"
        )
        parser.add_argument(
            "--domain", required=True, help="对外域名，例如 dangjian.example.com"
        )
        parser.add_argument(
            "--port", type=int, default=443, help="对外端口（默认 443）"
        )

    @transaction.atomic
    def handle(self, *args, name, domain, port, **options):
        domain = domain.strip().lower()
        if not domain or "/" in domain or " " in domain:
            raise CommandError(
                "域名格式不正确：只填主机名，例如 dangjian.example.com。"
            )
        home = HomePage.objects.first()
        if home is None:
            raise CommandError("没有首页：请先运行 manage.py migrate。")
        site = Site.objects.filter(is_default_site=True).first() or Site(
            is_default_site=True
        )
        site.hostname, site.port, site.site_name, site.root_page = (
            domain,
            port,
            name.strip(),
            home,
        )
        site.save()
        sections = install_sections()
        self.stdout.write(
            self.style.SUCCESS(
                f"站点“{site.site_name}”（{site.root_url}）已就绪；栏目：{'、'.join(sections)}。"
            )
        )
