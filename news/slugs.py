"""Share-safe slugs for Chinese text: ASCII pinyin for pages, Unicode for tags."""

import unicodedata

from django.utils.text import slugify
from pypinyin import Style, lazy_pinyin

MAX_PAGE_SLUG_LENGTH = 60


def pinyin_slug(text: str, max_length: int = MAX_PAGE_SLUG_LENGTH) -> str:
    """An ASCII slug from Chinese (and mixed) text: 主题党日 -> zhu-ti-dang-ri."""
    text = unicodedata.normalize("NFKC", text or "")
    words = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: chars)
    slug = slugify(" ".join(words))
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug.strip("-")


def tag_slug(name: str) -> str:
    """A Unicode slug for a tag; falls back to pinyin when nothing word-like is left."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    slug = slugify(name, allow_unicode=True)
    return slug or pinyin_slug(name) or "tag"
