"""The demo news: pictures titled in Chinese after their article, loaded once."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_demo_pictures_are_named_for_their_articles():
    from wagtail.images import get_image_model

    from members import demo as members_demo
    from news import demo
    from news.models import NewsArticlePage

    members_demo.load()
    demo.load()
    images = list(get_image_model().objects.values_list("title", flat=True))
    assert images
    assert not [title for title in images if re.search(r"[A-Za-z]", title)]
    covered = NewsArticlePage.objects.exclude(cover=None).select_related("cover")
    assert all(a.cover.title == f"{a.title}（题图）" for a in covered)
    count = len(images)
    demo.load()
    assert get_image_model().objects.count() == count
