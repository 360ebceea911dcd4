"""Article and listing pages and the RSS feeds link to PORTAL_BASE_URL, never to the
Host of the request nor to the test database's localhost Site record."""

import re

import feedparser
import pytest

from tests.news.factories import make_article, make_image

pytestmark = pytest.mark.django_db

BASE = "https://dj.example.org"
ELSEWHERE = {"HTTP_HOST": "elsewhere.example.net"}


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.PORTAL_BASE_URL = BASE


def head_links(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    return {
        "canonical": re.search(r'rel="canonical" href="([^"]*)"', head).group(1),
        **dict(re.findall(r'property="og:(url|image)" content="([^"]*)"', head)),
    }


def test_article_canonical_og_url_and_og_image_use_the_configured_address(
    client, news_index
):
    article = make_article(news_index, "支部召开党员大会", cover=make_image("封面"))
    response = client.get(article.url, **ELSEWHERE)
    assert response.status_code == 200
    links = head_links(response.content.decode())
    assert links["canonical"] == f"{BASE}{article.url}"
    assert links["url"] == f"{BASE}{article.url}"
    assert re.fullmatch(rf"{re.escape(BASE)}/media/images/[^\"]+\.jpg", links["image"])
    html = response.content.decode()
    assert "localhost" not in html and "elsewhere.example.net" not in html


def test_listing_canonical_uses_the_configured_address(client, news_index, columns):
    news_index.per_page = 1
    news_index.save_revision().publish()
    for n in range(2):
        make_article(news_index, f"基层新闻{n}", column=columns["jiceng"])
    html = client.get("/news/column/jiceng/?page=2", **ELSEWHERE).content.decode()
    assert head_links(html)["canonical"] == f"{BASE}/news/column/jiceng/?page=2"


@pytest.mark.parametrize("path", ["/news/rss/", "/news/rss/jiceng/"])
def test_feeds_link_every_item_to_the_configured_address(
    client, news_index, columns, path
):
    article = make_article(news_index, "基层动态一则", column=columns["jiceng"])
    response = client.get(path, **ELSEWHERE)
    xml = response.content.decode()
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert [(e.link, e.id) for e in feed.entries] == [
        (f"{BASE}{article.url}", f"{BASE}{article.url}")
    ]
    assert feed.feed.link.startswith(f"{BASE}/news/")
    assert f'href="{BASE}{path}"' in xml  # atom:link rel="self"
    assert "localhost" not in xml and "elsewhere.example.net" not in xml
