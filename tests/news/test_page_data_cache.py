"""The page-data cache (what every page shares: menus, footer, the request's site)
follows the page cache's time unless PORTAL_PAGE_DATA_CACHE_SECONDS sets it apart."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pagecache.cache import cached_until_purge, purge_all
from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


def _builds(times: int) -> list:
    built = []
    for _ in range(times):
        cached_until_purge("test-data", lambda: built.append(1) or len(built))
    return built


def test_data_is_kept_with_the_page_cache_unless_set_apart(settings):
    purge_all()
    settings.PORTAL_PAGE_CACHE_SECONDS = 600
    assert len(_builds(3)) == 1
    settings.PORTAL_PAGE_DATA_CACHE_SECONDS = 0
    assert len(_builds(3)) == 3
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    settings.PORTAL_PAGE_DATA_CACHE_SECONDS = None
    assert len(_builds(3)) == 3
    settings.PORTAL_PAGE_DATA_CACHE_SECONDS = 600
    purge_all()
    assert len(_builds(3)) == 1


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_data_cache_alone_keeps_the_menu_but_stores_no_page(
    client, news_index, settings
):
    from home.models import SiteSettings

    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    settings.PORTAL_PAGE_DATA_CACHE_SECONDS = 600
    SiteSettings.objects.get_or_create()
    purge_all()
    first, building = _queries(client, "/no-such-page/")
    assert first.status_code == 404
    # The site, menu and footer come from the data cache: left are the page lookup
    # and the redirects' (wagtail.contrib.redirects).
    second, kept = _queries(client, "/no-such-page/")
    assert (second.status_code, second.content) == (404, first.content)
    assert kept == 2 < building
    settings.PORTAL_PAGE_DATA_CACHE_SECONDS = 0
    assert _queries(client, "/no-such-page/")[1] > kept
    article = make_article(news_index, "新发布的文章")
    page = client.get(article.url)
    assert "X-Page-Cache" not in page
    assert "X-Page-Cache" not in client.get(article.url)
