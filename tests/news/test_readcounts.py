"""Read counts: counted in the cache, deduplicated, bots ignored, flushed in batches."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from news.models import NewsReadCount
from news.readcounts import flush_pending_reads, read_count
from tests.news.factories import make_article

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0"


def beacon(client, article, ip="10.0.0.1", agent=BROWSER):
    return client.post(
        f"/news/read/{article.pk}/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent
    )


def test_a_read_never_writes_to_the_database(client, news_index):
    article = make_article(news_index, "阅读计数")
    with CaptureQueriesContext(connection) as ctx:
        response = beacon(client, article)
    assert response.json() == {"count": 1}
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert not NewsReadCount.objects.exists()


def test_reloads_within_minutes_count_once_other_visitors_count(client, news_index):
    article = make_article(news_index, "刷新")
    for _ in range(5):
        beacon(client, article)
    assert beacon(client, article, ip="10.0.0.2").json() == {"count": 2}


def test_bots_and_scripts_are_not_counted(client, news_index):
    article = make_article(news_index, "爬虫")
    for agent in (
        "Mozilla/5.0 (compatible; Baiduspider/2.0)",
        "Googlebot/2.1",
        "curl/8.0",
        "python-requests/2.32",
        "",
        "Mozilla/5.0 HeadlessChrome/120.0",
    ):
        beacon(client, article, agent=agent)
    assert read_count(article) == 0


def test_flush_moves_pending_reads_into_the_database(client, news_index):
    article = make_article(news_index, "批量写入")
    for n in range(3):
        beacon(client, article, ip=f"10.0.1.{n}")
    assert flush_pending_reads() == 3
    assert NewsReadCount.objects.get(page=article).count == 3
    beacon(client, article, ip="10.0.1.9")
    call_command("flush_read_counts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert NewsReadCount.objects.get(page=article).count == 4
    assert flush_pending_reads() == 0
    assert read_count(article) == 4


def test_article_page_shows_the_count(client, news_index):
    article = make_article(news_index, "显示次数")
    beacon(client, article)
    flush_pending_reads()
    beacon(client, article, ip="10.0.0.7")
    html = client.get(article.url).content.decode()
    assert ">2</span>" in html.split("阅读：", 1)[1][:200]


def test_flush_is_scheduled_as_a_background_job(
    client, news_index, django_capture_on_commit_callbacks
):
    article = make_article(news_index, "后台任务")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        beacon(client, article)
        beacon(client, article, ip="10.0.0.3")
    assert len(callbacks) == 1  # one job for a batch of reads
    assert NewsReadCount.objects.get(page=article).count >= 1


def test_beacon_rejects_get_and_unknown_articles(client, news_index):
    article = make_article(news_index, "方法")
    assert client.get(f"/news/read/{article.pk}/").status_code == 405
    assert client.post("/news/read/999999/", HTTP_USER_AGENT=BROWSER).status_code == 404
    draft = make_article(news_index, "草稿", publish=False)
    assert beacon(client, draft).status_code == 404
