"""python manage.py setup_site --name … --domain …: a site ready for real content.

Sets the Wagtail Site (name, host, port) and installs every section of
PORTAL_SITE_SECTIONS (news with its columns and review workflow, the library, the
school), each with its role groups' page and collection permissions. Idempotent;
``load_demo`` runs the same installers and only adds demo content on top.

With PORTAL_BASE_URL set, the host and port default to its own, and a --domain or
--port that disagrees with it is refused: the Site record and the setting never say
two different addresses.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string
from wagtail.models import Site

from home.addresses import SETTING, parse_base_url
from home.models import HomePage


def install_sections() -> list[str]:
    """Run each section installer of PORTAL_SITE_SECTIONS; their page titles."""
    return [import_string(path)().title for path in settings.PORTAL_SITE_SECTIONS]


def site_address(domain: str | None, port: int | None) -> tuple[str, int]:
    """The Site record's (hostname, port): from the options, else from
    PORTAL_BASE_URL; options that contradict PORTAL_BASE_URL are refused."""
    configured = getattr(settings, SETTING, "")
    if domain is not None:
        domain = domain.strip().lower()
        if not domain or "/" in domain or " " in domain or ":" in domain:
            raise CommandError(
                "域名格式不正确：只填主机名，例如 dangjian.example.com。"
            )
    if not configured:
        if domain is None:
            raise CommandError(
                f"请用 --domain 指定对外域名，或设置环境变量 {SETTING}。"
            )
        return domain, port or 443
    try:
        base = urlsplit(parse_base_url(configured))
    except ValueError as error:
        raise CommandError(f"{SETTING} 格式不正确：{error}。") from None
    own_port = base.port or (443 if base.scheme == "https" else 80)
    if domain is not None and domain != base.hostname:
        raise CommandError(
            f"--domain {domain} 与 {SETTING}（{configured}）的主机名不一致；"
            f"去掉 --domain 或改正 {SETTING}。"
        )
    if port is not None and port != own_port:
        raise CommandError(
            f"--port {port} 与 {SETTING}（{configured}）的端口不一致；"
            f"去掉 --port 或改正 {SETTING}。"
        )
    return base.hostname, own_port


class Command(BaseCommand):
    help = "初始化站点（不含演示内容）：站点名称与域名，各栏目页面及各角色的页面、文档权限。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", required=True, help="站点名称，例如 某某集团党建网"
        )
        parser.add_argument(
            "--domain",
            help="对外域名，例如 dangjian.example.com（默认取自 PORTAL_BASE_URL）",
        )
        parser.add_argument(
            "--port",
            type=int,
            help="对外端口（默认取自 PORTAL_BASE_URL，未设置时为 443）",
        )

    @transaction.atomic
    def handle(self, *args, name, domain=None, port=None, **options):
        domain, port = site_address(domain, port)
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
