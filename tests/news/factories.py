"""Helpers to build news content in tests: images, articles, staff users."""

import io
from datetime import timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page

from news.models import NewsArticlePage, NewsColumn


def make_image(title="测试图片", size=(800, 450), color=(180, 30, 40), **fields):
    """A real JPEG stored as a Wagtail image."""
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, "JPEG")
    image = get_image_model()(
        title=title, file=ImageFile(io.BytesIO(out.getvalue()), name="t.jpg"), **fields
    )
    image.save()
    return image


def make_article(
    index,
    title="测试新闻",
    *,
    column=None,
    body=None,
    tags=(),
    branch=None,
    cover=None,
    publish=True,
    days_ago=None,
    user=None,
    **fields,
) -> NewsArticlePage:
    """An article under the news index, published (optionally backdated) or a draft."""
    column = column or NewsColumn.objects.get(slug="yaowen")
    article = NewsArticlePage(
        title=title,
        column=column,
        body=body or [("paragraph", f"<p>{title}的正文内容。</p>")],
        branch=branch,
        cover=cover,
        live=False,
        owner=user,
        **fields,
    )
    index.add_child(instance=article)
    if tags:
        article.tags.add(*tags)
    revision = article.save_revision(user=user)
    if publish:
        revision.publish(user=user)
        article.refresh_from_db()
        if days_ago is not None:
            when = timezone.now() - timedelta(days=days_ago)
            Page.objects.filter(pk=article.pk).update(
                first_published_at=when, last_published_at=when
            )
            article.refresh_from_db()
    return article
