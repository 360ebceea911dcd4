"""What news puts on the home page: the headline carousel, the latest articles of each
column shown there (lists and 公告 boxes) and the link to the news index.

The home page asks every app through the ``home_page_context`` hook (a function of the
home page and its section pages returning context); home imports no news code.
"""

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from wagtail import hooks

from .models import COVER_IMAGE_SPECS, NewsArticlePage, NewsColumn, NewsIndexPage


def headlines(home) -> list:
    """Editor-picked live articles, or the latest articles with a cover."""
    picked_ids = [
        item.article_id for item in home.carousel_items.all() if item.article_id
    ]
    articles = NewsArticlePage.objects.published().for_listing(
        image_specs=COVER_IMAGE_SPECS
    )
    if picked_ids:
        by_id = {a.pk: a for a in articles.filter(pk__in=picked_ids)}
        return [by_id[pk] for pk in picked_ids if pk in by_id][: home.carousel_size]
    return list(articles.filter(cover__isnull=False)[: home.carousel_size])


def column_sections(home) -> dict:
    """(column, latest articles) for each column shown on the home page, by display."""
    columns = list(
        NewsColumn.objects.exclude(home_display=NewsColumn.HomeDisplay.HIDDEN)
    )
    latest = (
        NewsArticlePage.objects.published()
        .filter(column__in=columns)
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=F("column_id"),
                order_by=[F("first_published_at").desc(), F("pk").desc()],
            )
        )
        .filter(row__lte=home.column_size)
        .only("title", "url_path", "first_published_at", "column_id")
    )
    by_column: dict[int, list] = {c.pk: [] for c in columns}
    for article in latest:
        by_column[article.column_id].append(article)
    sections = {"list": [], "notices": []}
    for column in columns:
        articles = sorted(
            by_column[column.pk], key=lambda a: a.first_published_at, reverse=True
        )
        sections[column.home_display].append((column, articles))
    return sections


@hooks.register("home_page_context")
def home_page_context(home, sections: dict) -> dict:
    sections = column_sections(home)
    return {
        "headlines": headlines(home),
        "column_sections": sections["list"],
        "notice_sections": sections["notices"],
        "news_index": NewsIndexPage.objects.live().first(),
    }
