"""The site's own address: PORTAL_BASE_URL (checked), else the Wagtail Site record;
never the Host of the request."""

import re

import pytest
from django.core import checks
from django.core.cache import cache
from django.core.management import call_command

from home.addresses import parse_base_url
from news.services import install_news_section
from tests.news.factories import make_article

BASE = "https://dj.example.org"
ELSEWHERE = {"HTTP_HOST": "elsewhere.example.net"}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def home_checks(*, deploy: bool) -> list[checks.CheckMessage]:
    return checks.run_checks(tags=["home"], include_deployment_checks=deploy)


def absolute_links(html: str) -> list[str]:
    """href/content values of canonical and og: links in a page's head."""
    head = html.split("</head>", 1)[0]
    return re.findall(
        r'(?:rel="canonical" href|property="og:(?:url|image)" content)="([^"]*)"',
        head,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://dj.example.org", "https://dj.example.org"),
        ("HTTPS://DJ.Example.org/", "https://dj.example.org"),
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
        ("  https://dj.example.org  ", "https://dj.example.org"),
    ],
)
def test_base_url_is_normalised(value, expected):
    assert parse_base_url(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("dj.example.org", "https://"),
        ("ftp://dj.example.org", "https://"),
        ("https://", "主机名"),
        ("https://dj.example.org/portal", "路径"),
        ("https://dj.example.org?x=1", "查询参数"),
        ("https://admin:secret@dj.example.org", "用户名"),
        ("https://dj.example.org:99999", "端口"),
    ],
)
def test_a_malformed_base_url_is_a_check_error_naming_the_setting(
    settings, value, reason
):
    settings.PORTAL_BASE_URL = value
    errors = [m for m in home_checks(deploy=False) if m.id == "home.E002"]
    assert len(errors) == 1
    assert "PORTAL_BASE_URL" in errors[0].msg and reason in errors[0].msg
    assert errors[0].is_serious()


def test_unset_base_url_fails_the_deploy_checks_only(settings):
    settings.PORTAL_BASE_URL = ""
    deploy = [m for m in home_checks(deploy=True) if m.id == "home.E001"]
    assert len(deploy) == 1 and deploy[0].is_serious()
    assert "PORTAL_BASE_URL" in deploy[0].msg
    # A developer's plain `manage.py check` (make check) is not bothered.
    assert home_checks(deploy=False) == []


def test_a_valid_base_url_passes_every_check(settings):
    settings.PORTAL_BASE_URL = BASE
    assert home_checks(deploy=True) == []


@pytest.mark.django_db
def test_home_page_links_use_the_configured_address_whatever_the_host(client, settings):
    settings.PORTAL_BASE_URL = BASE
    html = client.get("/", **ELSEWHERE).content.decode()
    assert absolute_links(html) == [f"{BASE}/", f"{BASE}/"]  # canonical, og:url
    assert "localhost" not in html and "elsewhere.example.net" not in html


@pytest.mark.django_db
def test_sitemap_uses_the_configured_address_whatever_the_host(client, settings):
    settings.PORTAL_BASE_URL = BASE
    index = install_news_section()
    article = make_article(index, "地图里的新闻")
    response = client.get("/sitemap.xml", **ELSEWHERE)
    assert response.status_code == 200
    locations = re.findall(r"<loc>([^<]+)</loc>", response.content.decode())
    assert f"{BASE}/" in locations
    assert f"{BASE}{article.url}" in locations
    assert f"{BASE}/news/column/tongzhi/" in locations
    assert all(loc.startswith(f"{BASE}/") for loc in locations), locations


@pytest.mark.django_db
def test_without_the_setting_links_come_from_the_site_record_not_the_host(
    client, settings
):
    settings.PORTAL_BASE_URL = ""
    call_command("setup_site", name="测试集团党建网", domain="dj.example.org")
    article = make_article(install_news_section(), "站点记录")
    html = client.get("/", **ELSEWHERE).content.decode()
    assert absolute_links(html) == [f"{BASE}/", f"{BASE}/"]
    sitemap = client.get("/sitemap.xml", **ELSEWHERE).content.decode()
    assert f"<loc>{BASE}{article.url}</loc>" in sitemap
    assert "elsewhere.example.net" not in sitemap and "localhost" not in sitemap


@pytest.mark.django_db
def test_a_site_record_that_disagrees_with_the_setting_is_a_warning(settings):
    settings.PORTAL_BASE_URL = BASE

    def warnings():
        return [
            m
            for m in checks.run_checks(databases=["default"], tags=["database"])
            if m.id == "home.W001"
        ]

    (warning,) = warnings()  # the migration's Site record says localhost
    assert "http://localhost" in warning.msg and BASE in warning.msg
    assert "setup_site" in warning.hint
    call_command("setup_site", name="测试集团党建网")
    assert warnings() == []
