"""How news articles appear in the site search (see search.registry)."""

from django.utils.html import strip_tags

from search.documents import SearchDocument
from search.registry import SearchSource

from .models import NewsArticlePage


def article_text(article: NewsArticlePage) -> str:
    """Plain text of the article: subtitle, summary, paragraphs, captions, quotes."""
    parts = [article.subtitle, article.summary]
    for block in article.body:
        value = block.value
        if block.block_type == "paragraph":
            parts.append(strip_tags(value.source))
        elif block.block_type == "image":
            parts.append(value.get("caption") or "")
        elif block.block_type == "quote":
            parts += [value.get("text") or "", value.get("attribution") or ""]
        elif block.block_type == "attachment":
            document = value.get("document")
            parts.append(value.get("title") or (document.title if document else ""))
        elif block.block_type == "table":
            for row in (value or {}).get("data") or []:
                parts.append(" ".join(str(cell) for cell in row if cell))
    return "\n".join(" ".join(p.split()) for p in parts if p)


class NewsArticleSource(SearchSource):
    """Published, public news articles."""

    type = "news"
    label = "新闻"
    model = NewsArticlePage
    facet_labels = {"column": "栏目", "branch": "党组织", "year": "年份", "tag": "标签"}

    def indexable(self):
        return (
            NewsArticlePage.objects.published()
            .select_related("column", "branch")
            .prefetch_related("tagged_items__tag")
        )

    def is_indexable(self, obj) -> bool:
        return self.indexable().filter(pk=obj.pk).exists()

    def to_document(self, obj):
        date = obj.first_published_at.date() if obj.first_published_at else None
        facets = {"column": obj.column.name}
        if obj.branch_id:
            facets["branch"] = obj.branch.name
        if date:
            facets["year"] = str(date.year)
        tags = [item.tag.name for item in obj.tagged_items.all()]
        if tags:
            facets["tag"] = tags
        return SearchDocument(
            key=f"news:{obj.pk}",
            type="news",
            title=obj.title,
            body=article_text(obj),
            url=obj.url,
            date=date,
            facets=facets,
            extra={"source": obj.source, "summary": obj.plain_summary},
        )
