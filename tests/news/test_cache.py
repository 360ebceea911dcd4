"""The anonymous page cache: fast repeat views, never stale after publish."""

import pytest
from wagtail.models import Page

from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    from home.models import SiteSettings

    settings.PORTAL_PAGE_CACHE_SECONDS = 600
    SiteSettings.objects.get_or_create()  # creating it would purge the cache


def test_second_anonymous_view_is_served_from_cache_without_queries(
    client, news_index, django_assert_num_queries
):
    article = make_article(news_index, "缓存测试")
    first = client.get(article.url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(article.url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in second


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
)


def test_a_cached_page_has_every_header_the_rendered_page_had(
    client, news_index, settings
):
    settings.SECURE_HSTS_SECONDS = 31536000
    article = make_article(news_index, "安全响应头")
    for url in ("/", article.url, "/news/column/yaowen/"):
        rendered = client.get(url, secure=True)
        cached = client.get(url, secure=True)
        assert (rendered["X-Page-Cache"], cached["X-Page-Cache"]) == ("miss", "hit")
        for name in SECURITY_HEADERS:
            assert name in rendered, (url, name)
        assert {**cached.headers, "X-Page-Cache": "miss"} == dict(rendered.headers)


def test_a_cache_hit_skips_sessions_authentication_csp_and_the_database(
    client, news_index, django_assert_num_queries
):
    article = make_article(news_index, "不做多余的事")
    rendered = client.get(article.url)
    assert hasattr(rendered.wsgi_request, "session")
    with django_assert_num_queries(0):
        cached = client.get(article.url)
    assert cached["X-Page-Cache"] == "hit"
    request = cached.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "user")
    assert not hasattr(request, "csp_nonce")
    assert "CSRF_COOKIE" not in request.META


def test_plain_http_is_still_redirected_to_https_when_the_page_is_cached(
    client, news_index, settings
):
    settings.SECURE_SSL_REDIRECT = True
    article = make_article(news_index, "只走 HTTPS")
    client.get(article.url, secure=True)
    assert client.get(article.url, secure=True)["X-Page-Cache"] == "hit"
    response = client.get(article.url)
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_readers_with_a_csrf_or_messages_cookie_get_a_fresh_page(client, news_index):
    article = make_article(news_index, "带表单令牌的读者")
    client.get(article.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"
    for cookie in ("csrftoken", "messages"):
        client.cookies.clear()
        client.cookies[cookie] = "x" * 32
        assert "X-Page-Cache" not in client.get(article.url), cookie


def test_publishing_shows_up_immediately_on_cached_pages(client, news_index, columns):
    make_article(news_index, "旧新闻")
    for url in ("/", "/news/", "/news/column/yaowen/"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    make_article(news_index, "刚刚发布的新闻")
    for url in ("/", "/news/", "/news/column/yaowen/"):
        response = client.get(url)
        assert "刚刚发布的新闻" in response.content.decode(), url


def test_unpublishing_removes_the_article_from_cached_pages(client, news_index):
    article = make_article(news_index, "将被撤下的新闻")
    assert "将被撤下的新闻" in client.get("/").content.decode()
    client.get(article.url)
    Page.objects.get(pk=article.pk).specific.unpublish()
    assert "将被撤下的新闻" not in client.get("/").content.decode()
    assert client.get(article.url).status_code == 404


def test_logged_in_users_bypass_the_cache(client, news_index, django_user_model):
    article = make_article(news_index, "登录用户")
    client.get(article.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"
    user = django_user_model.objects.create_user("reader", password="x-Pass-2026")
    client.force_login(user)
    response = client.get(article.url)
    assert "X-Page-Cache" not in response
    assert (
        user.username in response.content.decode()
        or "退出" in response.content.decode()
    )


def test_a_page_seen_by_a_logged_in_user_is_never_stored(
    client, news_index, django_user_model
):
    article = make_article(news_index, "只给本人看")
    user = django_user_model.objects.create_user("reader", password="x-Pass-2026")
    client.force_login(user)
    assert "退出" in client.get(article.url).content.decode()
    client.logout()
    client.cookies.clear()
    anonymous = client.get(article.url)
    assert anonymous["X-Page-Cache"] == "miss"
    assert "退出" not in anonymous.content.decode()


def test_wechat_tracking_parameters_share_the_cached_page(client, news_index):
    article = make_article(news_index, "微信分享")
    client.get(article.url)
    shared = client.get(article.url + "?from=singlemessage&isappinstalled=0")
    assert shared["X-Page-Cache"] == "hit"


def test_pagination_pages_are_cached_separately(client, news_index):
    news_index.per_page = 1
    news_index.save_revision().publish()
    make_article(news_index, "第一篇", days_ago=2)
    make_article(news_index, "第二篇", days_ago=1)
    assert "第二篇" in client.get("/news/").content.decode()
    assert "第一篇" in client.get("/news/?page=2").content.decode()
    assert "第一篇" in client.get("/news/?page=2").content.decode()


def test_error_pages_and_other_apps_are_not_cached(client, news_index):
    client.get("/news/column/no-such/")
    assert "X-Page-Cache" not in client.get("/news/column/no-such/")
    client.get("/news/rss/")
    assert "X-Page-Cache" not in client.get("/news/rss/")


def test_logged_in_readers_get_shared_parts_fresh_after_a_publish(
    client, news_index, django_user_model
):
    article = make_article(news_index, "共享片段")
    user = django_user_model.objects.create_user("member", password="x-Pass-2026")
    client.force_login(user)
    for url in ("/", "/news/column/yaowen/", article.url):
        client.get(url)
    article.body = [("paragraph", "<p>修改后的正文</p>")]
    article.save_revision().publish()
    make_article(news_index, "又一篇新闻")
    assert "修改后的正文" in client.get(article.url).content.decode()
    for url in ("/", "/news/column/yaowen/"):
        assert "又一篇新闻" in client.get(url).content.decode(), url


def test_a_preview_shows_the_draft_not_the_kept_parts_of_the_live_page(
    client, news_index
):
    article = make_article(news_index, "预览", summary="已发布的摘要")
    assert "已发布的摘要" in client.get(article.url).content.decode()
    article.summary = "草稿里的摘要"
    article.save_revision()
    draft = article.get_latest_revision_as_object()
    preview = draft.make_preview_request()
    assert "草稿里的摘要" in preview.content.decode()
    assert "已发布的摘要" in client.get(article.url).content.decode()


def test_pages_are_compressed_once_and_cached_apart_from_plain_copies(
    client, news_index, django_assert_num_queries
):
    import gzip

    article = make_article(news_index, "压缩一次")
    packed = client.get(article.url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    text = gzip.decompress(packed.content).decode()
    assert "压缩一次" in text
    # The compressed copy is what the cache hands out again: no render, no gzip.
    with django_assert_num_queries(0):
        again = client.get(article.url, HTTP_ACCEPT_ENCODING="gzip")
    assert again["X-Page-Cache"] == "hit"
    assert again["Content-Encoding"] == "gzip"
    assert gzip.decompress(again.content).decode() == text
    # A client that does not take gzip never gets the compressed copy.
    plain = client.get(article.url)
    assert plain["X-Page-Cache"] == "miss"
    assert "Content-Encoding" not in plain
    assert plain.content.decode() == text
    assert client.get(article.url)["X-Page-Cache"] == "hit"


def test_files_and_small_answers_are_not_compressed(client, news_index):
    feed = client.get("/healthz", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in feed  # a few bytes: not worth it
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    document = get_document_model().objects.create(
        title="附件", file=ContentFile(b"%PDF-1.4\n" + b"x" * 5000, name="fj.txt")
    )
    response = client.get(document.url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response  # neither gzip nor Wagtail's "None"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_renaming_a_column_or_a_tag_reaches_cached_pages_at_once(client, news_index):
    """News' own snippets purge the cache (news.signal_handlers): the home page and
    the article show a column's new name on the next anonymous view."""
    from news.models import NewsColumn, NewsTag

    article = make_article(news_index, "栏目改名")
    column = NewsColumn.objects.get(pk=article.column_id)
    for url in ("/", article.url):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    column.name = "改名后的栏目"
    column.save()
    for url in ("/", article.url):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert "改名后的栏目" in response.content.decode(), url
    client.get(article.url)
    NewsTag.objects.create(name="新标签", slug="xin-biao-qian")
    assert client.get(article.url)["X-Page-Cache"] == "miss"
