import pytest

from news.models import NewsArticlePage, NewsTag
from news.slugs import pinyin_slug, tag_slug
from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


def test_pinyin_slug_is_ascii_and_readable():
    assert pinyin_slug("主题党日活动") == "zhu-ti-dang-ri-huo-dong"
    assert pinyin_slug("“两学一做”学习 2026") == "liang-xue-yi-zuo-xue-xi-2026"
    assert pinyin_slug("一" * 80).isascii()
    assert len(pinyin_slug("党" * 80)) <= 60


def test_chinese_tag_gets_a_unicode_slug():
    tag = NewsTag.objects.create(name="主题党日")
    assert tag.slug == "主题党日"


def test_full_width_and_symbol_only_tags_still_get_slugs():
    assert tag_slug("Ｅ党建") == "e党建"
    first = NewsTag.objects.create(name="！！")
    second = NewsTag.objects.create(name="？？")
    assert first.slug and second.slug and first.slug != second.slug


def test_homophone_tags_get_distinct_slugs():
    a = NewsTag.objects.create(name="党建 工作")
    b = NewsTag.objects.create(name="党建-工作")
    assert a.slug == "党建-工作"
    assert b.slug.startswith("党建-工作") and b.slug != a.slug


def test_article_slug_from_chinese_title_is_pinyin(news_index):
    article = make_article(news_index, "第一党支部开展主题党日活动")
    assert article.slug == "di-yi-dang-zhi-bu-kai-zhan-zhu-ti-dang-ri-huo-dong"
    assert article.url == f"/news/{article.slug}/"


def test_same_title_twice_gets_distinct_ascii_slugs(news_index):
    first = make_article(news_index, "通知")
    second = make_article(news_index, "通知")
    assert first.slug == "tong-zhi"
    assert second.slug != first.slug and second.slug.isascii()


def test_chinese_slug_given_explicitly_is_replaced_by_pinyin(news_index, columns):
    article = NewsArticlePage(
        title="党费收缴", slug="党费收缴", column=columns["yaowen"], body=[]
    )
    news_index.add_child(instance=article)
    assert article.slug == "dang-fei-shou-jiao"


def test_previous_next_stay_in_the_column(news_index, columns):
    old = make_article(news_index, "旧闻", days_ago=3)
    other = make_article(news_index, "别栏目", column=columns["lilun"], days_ago=2)
    new = make_article(news_index, "新闻", days_ago=1)
    assert new.previous_article().pk == old.pk
    assert old.next_article().pk == new.pk
    assert new.next_article() is None
    assert other.previous_article() is None


def test_related_articles_prefer_shared_tags(news_index, columns):
    article = make_article(news_index, "本文", tags=["党费"], days_ago=5)
    tagged = make_article(
        news_index, "同标签", column=columns["lilun"], tags=["党费"], days_ago=10
    )
    same_column = make_article(news_index, "同栏目", days_ago=1)
    related = article.related_articles()
    assert [a.pk for a in related][:2] == [tagged.pk, same_column.pk]


def test_unpublished_articles_are_not_listed(news_index):
    draft = make_article(news_index, "草稿", publish=False)
    live = make_article(news_index, "已发布")
    listed = list(NewsArticlePage.objects.published())
    assert live in listed and draft not in listed


def test_summary_falls_back_to_body_text(news_index):
    article = make_article(
        news_index,
        "无摘要",
        body=[("paragraph", "<p><b>支部</b>召开会议。" + "内容" * 100 + "</p>")],
    )
    assert article.plain_summary.startswith("支部召开会议。")
    assert article.plain_summary.endswith("…")
