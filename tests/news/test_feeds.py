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


def test_tag_and_branch_pages_offer_their_own_feeds(client, news_index):
    from urllib.parse import quote

    from tests.members.factories import OrganizationFactory

    committee = OrganizationFactory(name="集团党委")
    branch = OrganizationFactory(parent=committee, name="研发第一党支部")
    make_article(
        news_index, "支部主题党日", branch=branch, tags=["主题党日"], days_ago=1
    )
    make_article(news_index, "集团要闻", branch=committee, days_ago=2)

    tag_page = client.get(f"/news/tag/{quote('主题党日')}/").content.decode()
    assert "标签：主题党日" in tag_page
    tag_feed = f"/news/rss/tag/{quote('主题党日')}/"
    assert f'href="{tag_feed}">RSS 订阅' in tag_page
    feed = feedparser.parse(client.get(tag_feed).content)
    assert feed.bozo == 0 and [e.title for e in feed.entries] == ["支部主题党日"]

    branch_page = client.get(f"/news/branch/{committee.pk}/").content.decode()
    assert f'href="/news/rss/branch/{committee.pk}/">RSS 订阅' in branch_page
    feed = feedparser.parse(client.get(f"/news/rss/branch/{committee.pk}/").content)
    assert [e.title for e in feed.entries] == ["支部主题党日", "集团要闻"]
    assert "集团党委动态" in feed.feed.title
    assert client.get("/news/rss/branch/999999/").status_code == 404
    assert client.get(f"/news/rss/tag/{quote('没有')}/").status_code == 404
