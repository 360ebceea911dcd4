"""Rendering a page costs the same number of SQL queries however much it shows.

Each test builds the same page twice, with N and with 3N articles, tags or images,
and renders it for an anonymous reader with the page cache off (test settings), so
every query of a real render is counted.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from home.models import HomeCarouselItem
from tests.news.factories import make_article, make_image

pytestmark = pytest.mark.django_db

N = 2
RELATED_SHOWN = 4


def queries_for(client, url: str) -> int:
    client.get(url)  # renditions are created on the first render
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def fill_columns(news_index, columns, count: int, start: int) -> list:
    """`count` articles with a cover and two tags in each of two columns."""
    articles = []
    for n in range(start, start + count):
        for slug in ("yaowen", "tongzhi"):
            articles.append(
                make_article(
                    news_index,
                    f"{slug}文章{n}",
                    column=columns[slug],
                    cover=make_image(f"封面{slug}{n}"),
                    tags=[f"标签{n}", "党建"],
                )
            )
    return articles


def test_home_page_queries_do_not_grow_with_articles_and_headlines(
    client, news_index, columns, home_page
):
    type(home_page).objects.filter(pk=home_page.pk).update(
        carousel_size=20, column_size=20
    )
    counts, made = [], 0
    for target in (N, 3 * N):
        for article in fill_columns(news_index, columns, target - made, made):
            HomeCarouselItem.objects.create(page=home_page, article=article)
        made = target
        counts.append(queries_for(client, "/"))
    html = client.get("/").content.decode()
    assert html.count("data-slide") == 2 * 3 * N
    assert counts[0] == counts[1], counts


def test_column_page_queries_do_not_grow_with_articles(client, news_index, columns):
    counts, made = [], 0
    for target in (N, 3 * N):
        fill_columns(news_index, columns, target - made, made)
        made = target
        counts.append(queries_for(client, "/news/column/yaowen/"))
    html = client.get("/news/column/yaowen/").content.decode()
    assert html.count('class="news-item__title"') == 3 * N
    assert counts[0] == counts[1], counts


def article_with(news_index, columns, n: int, tag: str):
    """An article with n tags, n body images and more articles sharing its tags than
    the page lists (RELATED_SHOWN)."""
    tags = [f"{tag}{i}" for i in range(n)]
    for i in range(RELATED_SHOWN + n):
        make_article(news_index, f"{tag}相关{i}", tags=tags, cover=make_image())
    body = [("paragraph", "<p>正文</p>")]
    body += [
        (
            "image",
            {"image": make_image(f"插图{i}"), "alt": f"插图{i}", "caption": ""},
        )
        for i in range(n)
    ]
    return make_article(
        news_index, f"{tag}主文章", tags=tags, body=body, cover=make_image("封面")
    )


def test_article_page_queries_do_not_grow_with_tags_images_and_related(
    client, news_index, columns
):
    few = article_with(news_index, columns, N, "少")
    many = article_with(news_index, columns, 3 * N, "多")
    html = client.get(many.url).content.decode()
    assert html.count('class="tag"') == 3 * N
    assert html.count("插图") >= 3 * N
    assert queries_for(client, few.url) == queries_for(client, many.url)
