import pytest

from news.search import NewsArticleSource, article_text
from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


def test_news_source_is_registered():
    from news.models import NewsArticlePage
    from search import registry

    source = registry.source_for_model(NewsArticlePage)
    assert isinstance(source, NewsArticleSource)
    assert source.type == "news"


def test_article_becomes_a_search_document(news_index, branch):
    article = make_article(
        news_index,
        "支部开展主题党日",
        branch=branch,
        tags=["主题党日"],
        summary="重温入党誓词",
        body=[
            ("paragraph", "<p>党员<b>集体</b>学习党章。</p>"),
            ("quote", {"text": "不忘初心", "attribution": "党章"}),
        ],
    )
    document = NewsArticleSource().to_document(article)
    assert document.key == f"news:{article.pk}"
    assert document.url == article.url
    assert "党员集体学习党章。" in document.body and "不忘初心" in document.body
    assert document.facets["column"] == "要闻"
    assert document.facets["branch"] == "第一党支部"
    assert document.facets["tag"] == ["主题党日"]


def test_only_published_articles_are_indexable(news_index):
    live = make_article(news_index, "已发布")
    draft = make_article(news_index, "草稿", publish=False)
    source = NewsArticleSource()
    assert source.is_indexable(live) and not source.is_indexable(draft)
    assert list(source.indexable()) == [live]
    assert "草稿" not in article_text(live)
