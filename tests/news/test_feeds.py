import feedparser
import pytest

from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


def test_all_news_feed_is_valid_rss_newest_first(client, news_index, columns):
    make_article(news_index, "较早的新闻", days_ago=3, author="李宣传")
    make_article(news_index, "最新的通知", column=columns["tongzhi"], days_ago=1)
    make_article(news_index, "未发布草稿", publish=False)
    response = client.get("/news/rss/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert [e.title for e in feed.entries] == ["最新的通知", "较早的新闻"]
    # The Site record's address (the test database's is localhost), not the Host.
    assert feed.entries[0].link.startswith("http://localhost/news/")
    assert feed.entries[1].author == "李宣传"
    assert feed.entries[0].tags[0].term == "通知公告"


def test_column_feed_only_has_its_column(client, news_index, columns):
    make_article(news_index, "要闻一", days_ago=2)
    make_article(news_index, "学习材料", column=columns["lilun"], days_ago=1)
    feed = feedparser.parse(client.get("/news/rss/lilun/").content)
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == ["学习材料"]
    assert "理论学习" in feed.feed.title
    assert client.get("/news/rss/no-such-column/").status_code == 404


def test_special_characters_keep_the_feed_valid(client, news_index):
    make_article(
        news_index,
        "“两学一做”<学习> & 交流",
        body=[("paragraph", "<p>含有 &amp; 和 <b>粗体</b> 的正文</p>")],
    )
    feed = feedparser.parse(client.get("/news/rss/").content)
    assert feed.bozo == 0
    assert feed.entries[0].title == "“两学一做”<学习> & 交流"


def test_sitemap_lists_articles_and_columns(client, news_index):
    article = make_article(news_index, "地图里的新闻")
    draft = make_article(news_index, "草稿不进地图", publish=False)
    xml = client.get("/sitemap.xml").content.decode()
    assert f"http://localhost{article.url}" in xml
    assert "http://localhost/news/column/tongzhi/" in xml
    assert draft.slug not in xml


def test_pages_link_to_the_feeds(client, news_index):
    html = client.get("/news/column/jiceng/").content.decode()
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert 'href="/news/rss/jiceng/"' in html and 'href="/news/rss/"' in html
