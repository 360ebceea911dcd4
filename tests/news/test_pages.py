import re
from urllib.parse import quote

import pytest

from home.models import HomeCarouselItem
from tests.news.factories import make_article, make_image

pytestmark = pytest.mark.django_db


def titles_in(html: str) -> list[str]:
    return re.findall(r'class="news-item__title"><a href="[^"]+">([^<]+)</a>', html)


def test_column_page_lists_newest_first_and_paginates(client, news_index, columns):
    news_index.per_page = 3
    news_index.save_revision().publish()
    for n in range(5):
        make_article(
            news_index, f"基层新闻{n}", column=columns["jiceng"], days_ago=10 - n
        )
    make_article(news_index, "别的栏目", column=columns["lilun"])
    first = client.get("/news/column/jiceng/")
    assert first.status_code == 200
    assert titles_in(first.content.decode()) == ["基层新闻4", "基层新闻3", "基层新闻2"]
    second = client.get("/news/column/jiceng/?page=2")
    assert titles_in(second.content.decode()) == ["基层新闻1", "基层新闻0"]
    assert client.get("/news/column/jiceng/?page=9").status_code == 404
    assert client.get("/news/column/no-such/").status_code == 404


def test_tag_page_with_chinese_slug_lists_tagged_articles(client, news_index):
    make_article(news_index, "有标签", tags=["主题党日"])
    make_article(news_index, "没标签")
    response = client.get("/news/tag/主题党日/")
    assert response.status_code == 200
    assert titles_in(response.content.decode()) == ["有标签"]
    encoded = client.get("/news/tag/%E4%B8%BB%E9%A2%98%E5%85%9A%E6%97%A5/")
    assert titles_in(encoded.content.decode()) == ["有标签"]


def test_branch_page_includes_organisations_below(client, news_index, branch):
    from tests.members.factories import OrganizationFactory

    group = OrganizationFactory(parent=branch, name="一班党小组", kind="group")
    make_article(news_index, "支部稿件", branch=branch, days_ago=2)
    make_article(news_index, "小组稿件", branch=group, days_ago=1)
    make_article(news_index, "其他稿件")
    response = client.get(f"/news/branch/{branch.pk}/")
    assert titles_in(response.content.decode()) == ["小组稿件", "支部稿件"]
    assert "第一党支部动态" in response.content.decode()


def test_article_page_shows_what_readers_expect(client, news_index, branch):
    cover = make_image("封面", description="党员在会议室学习")
    article = make_article(
        news_index,
        "支部召开党员大会",
        subtitle="选举产生新一届支委会",
        summary="会议选举产生了新一届支部委员会。",
        source="第一党支部",
        author="王宣传",
        branch=branch,
        cover=cover,
        tags=["换届选举"],
    )
    html = client.get(article.url).content.decode()
    assert 'aria-label="当前位置"' in html and "要闻</a>" in html
    assert "来源:第一党支部" in html and "作者:王宣传" in html
    assert f'href="/news/branch/{branch.pk}/"' in html
    assert f'href="/news/tag/{quote("换届选举")}/"' in html
    assert "阅读：" in html and "data-read-url" in html
    assert (
        '<meta name="description" content="会议选举产生了新一届支部委员会。">' in html
    )
    assert '<meta property="og:title" content="支部召开党员大会">' in html
    assert 'property="og:image" content="http://localhost/' in html
    assert f'<link rel="canonical" href="http://localhost{article.url}">' in html
    assert 'type="application/rss+xml"' in html and "/news/rss/yaowen/" in html
    assert 'alt="党员在会议室学习"' in html


def test_images_come_as_webp_with_jpeg_fallback_and_srcset(client, news_index):
    cover = make_image("封面", size=(1600, 900))
    inline = make_image("正文图")
    article = make_article(
        news_index,
        "带图新闻",
        cover=cover,
        body=[
            ("paragraph", "<p>正文</p>"),
            ("image", {"image": inline, "alt": "支部活动现场", "caption": "活动现场"}),
        ],
    )
    html = client.get(article.url).content.decode()
    pictures = re.findall(r"<picture>.*?</picture>", html, re.S)
    assert len(pictures) == 2
    cover_html, inline_html = pictures
    assert 'type="image/webp"' in cover_html and ".webp 480w" in cover_html
    assert re.search(r'<img[^>]+src="[^"]+\.jpg"', cover_html)
    assert 'loading="lazy"' not in cover_html  # above the fold
    assert 'loading="lazy"' in inline_html and 'alt="支部活动现场"' in inline_html
    assert "sizes=" in inline_html and "<figcaption>活动现场</figcaption>" in html
    listing = client.get("/news/").content.decode()
    assert 'loading="lazy"' in listing and 'type="image/webp"' in listing


def test_body_blocks_render_quote_table_and_attachment(client, news_index):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    document = get_document_model()(title="报名表")
    document.file.save("form.txt", ContentFile(b"name,branch\n"), save=True)
    table = {
        "first_row_is_table_header": True,
        "first_col_is_header": False,
        "data": [["时间", "内容"], ["12月", "<b>述职</b>"]],
    }
    article = make_article(
        news_index,
        "通知",
        body=[
            ("quote", {"text": "不忘初心", "attribution": "党章"}),
            ("table", table),
            ("attachment", {"document": document, "title": ""}),
        ],
    )
    html = client.get(article.url).content.decode()
    assert "<blockquote" in html and "——党章" in html
    assert '<th scope="col">时间</th>' in html and "&lt;b&gt;述职&lt;/b&gt;" in html
    assert "附件:报名表" in html


def test_home_shows_picked_headlines_columns_and_notices(client, news_index, columns):
    picked = make_article(news_index, "编辑挑选的头条", cover=make_image(), days_ago=9)
    make_article(news_index, "较新的要闻", cover=make_image(), days_ago=1)
    make_article(news_index, "基层新闻", column=columns["jiceng"])
    make_article(news_index, "关于开会的通知", column=columns["tongzhi"])
    home = news_index.get_parent().specific
    HomeCarouselItem.objects.create(page=home, article=picked, sort_order=0)
    html = client.get("/").content.decode()
    carousel = html.split("data-carousel", 1)[1].split("</section>", 1)[0]
    assert "编辑挑选的头条" in carousel and "较新的要闻" not in carousel
    notices = html.split('class="card home-notices"', 1)[1].split("</section>", 1)[0]
    assert "关于开会的通知" in notices
    assert "基层新闻" in html and "较新的要闻" in html
    assert 'href="/news/column/jiceng/"' in html


def test_home_without_picks_shows_latest_articles_with_cover(client, news_index):
    make_article(news_index, "无图新闻")
    make_article(news_index, "有图新闻", cover=make_image())
    carousel = client.get("/").content.decode().split("data-carousel", 1)[1]
    carousel = carousel.split("</section>", 1)[0]
    assert "有图新闻" in carousel and "无图新闻" not in carousel


def _fill(news_index, columns, branch, n=12):
    cover = make_image()
    articles = []
    for i in range(n):
        column = list(columns.values())[i % len(columns)]
        articles.append(
            make_article(
                news_index,
                f"新闻{i}",
                column=column,
                branch=branch,
                cover=cover if i % 2 else make_image(f"图{i}"),
                tags=["主题党日", f"标签{i}"],
                days_ago=i,
            )
        )
    home = news_index.get_parent().specific
    for i, article in enumerate(articles[:4]):
        HomeCarouselItem.objects.create(page=home, article=article, sort_order=i)
    return articles


# Upper bounds of SQL queries per page type (renditions already generated); an N+1
# regression adds queries per listed article and fails these.
# The home page also finds the section pages, the newest documents and the courses
# (3 queries, whatever the number of articles).
QUERY_LIMITS = {"home": 20, "column": 18, "tag": 18, "branch": 18, "article": 25}


def test_pages_use_a_bounded_number_of_queries(
    client, news_index, columns, branch, django_assert_max_num_queries
):
    articles = _fill(news_index, columns, branch)
    urls = {
        "home": "/",
        "column": "/news/column/yaowen/",
        "tag": "/news/tag/主题党日/",
        "branch": f"/news/branch/{branch.pk}/",
        "article": articles[3].url,
    }
    for url in urls.values():  # warm renditions
        assert client.get(url).status_code == 200
    for name, url in urls.items():
        with django_assert_max_num_queries(QUERY_LIMITS[name]):
            assert client.get(url).status_code == 200
    more = _fill(news_index, columns, branch, n=12)  # twice the articles, same bound
    for url in [*urls.values(), more[3].url]:
        client.get(url)
    for name, url in urls.items():
        with django_assert_max_num_queries(QUERY_LIMITS[name]):
            client.get(url)
