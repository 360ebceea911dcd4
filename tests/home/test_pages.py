import pytest


@pytest.mark.django_db
def test_home_page_renders_in_chinese(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert home_page.title in html
    assert "关怀版" in html


@pytest.mark.django_db
def test_unknown_page_gives_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_security_headers_are_sent(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_server_error_page_is_chinese_and_needs_no_database(rf):
    from home.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "服务器暂时出错" in response.content.decode()


def test_home_page_links_every_section_of_the_site(client, home_page, settings):
    """网站导航 names each installed section: the pages the installers made and the
    apps' own views (issue 14: three of six were dropped by names that did not exist)."""
    import re

    from django.utils.module_loading import import_string

    pages = [import_string(path)() for path in settings.PORTAL_SITE_SECTIONS]
    html = client.get("/").content.decode()
    nav = re.search(r'<section class="home-sections".*?</section>', html, re.S)
    assert nav, "no 网站导航 on the home page"
    hrefs = re.findall(r'href="([^"]+)"', nav.group(0))
    expected = [page.url for page in pages] + [
        "/mailbox/write/",
        "/mailbox/board/",
        "/search/",
    ]
    assert sorted(hrefs) == sorted(expected)
    for page in pages:
        assert page.title in nav.group(0)


def test_a_navigation_link_to_a_missing_url_name_is_an_error(settings):
    from django.core import checks

    settings.PORTAL_NAV_LINKS = [("不存在", "nowhere:index")]
    errors = [e for e in checks.run_checks() if e.id == "home.E003"]
    assert [e.obj for e in errors] == ["nowhere:index"]
