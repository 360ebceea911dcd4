"""System checks: the site's own address (PORTAL_BASE_URL) is usable, set in
production, and agrees with the Wagtail Site record."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from .addresses import SETTING, configured_base_url, parse_base_url

HINT = "例如 PORTAL_BASE_URL=https://dangjian.example.com（见 README「Deploying」）。"


@checks.register("home")
def check_base_url_format(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """home.E002 when PORTAL_BASE_URL is set but is not scheme://host[:port]."""
    value = getattr(settings, SETTING, "")
    if not value:
        return []
    try:
        parse_base_url(value)
    except ValueError as error:
        return [
            checks.Error(
                f"{SETTING} 格式不正确：{error}。",
                hint=HINT,
                obj=SETTING,
                id="home.E002",
            )
        ]
    return []


@checks.register("home", deploy=True)
def check_base_url_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """home.E001 when PORTAL_BASE_URL is unset: links would carry the request's or
    the default Site record's host (http://localhost) in production."""
    if getattr(settings, SETTING, ""):
        return []
    return [
        checks.Error(
            f"未设置 {SETTING}（missing setting {SETTING}）：本站对外地址用于规范链接、"
            "og:url、站点地图、RSS 和邮件中的链接，生产环境必须设置。",
            hint=HINT,
            obj=SETTING,
            id="home.E001",
        )
    ]


@checks.register(checks.Tags.database)
def check_site_record_agrees(
    app_configs=None, databases=None, **kwargs
) -> list[checks.CheckMessage]:
    """home.W001 when the default Site record says another address than
    PORTAL_BASE_URL (Wagtail's own e-mails and admin links use the record)."""
    configured = configured_base_url()
    if not configured or not databases:
        return []
    from wagtail.models import Site

    try:
        site = Site.objects.filter(is_default_site=True).first()
    except DatabaseError:  # not migrated yet
        return []
    if site is None or site.root_url == configured:
        return []
    return [
        checks.Warning(
            f"Wagtail 站点记录的地址（{site.root_url}）与 {SETTING}（{configured}）"
            "不一致。",
            hint="运行 manage.py setup_site --name 站点名称，按 PORTAL_BASE_URL 更新站点记录。",
            obj=SETTING,
            id="home.W001",
        )
    ]


@checks.register(checks.Tags.urls)
def check_navigation_urls(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """home.E003 for a URL name in PORTAL_NAV_LINKS or the home page's sections that
    does not reverse: the link would be missing from every page."""
    from django.urls import NoReverseMatch, reverse

    from .models import SECTION_LINKS

    names = [name for _title, name in getattr(settings, "PORTAL_NAV_LINKS", [])]
    names += [target for target, *_rest in SECTION_LINKS if ":" in target]
    errors = []
    for name in names:
        try:
            reverse(name)
        except NoReverseMatch:
            errors.append(
                checks.Error(
                    f"导航链接的网址名称 {name!r} 不存在。",
                    hint="检查 PORTAL_NAV_LINKS 或 home.models.SECTION_LINKS。",
                    obj=name,
                    id="home.E003",
                )
            )
    return errors
