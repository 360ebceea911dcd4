"""Small URL helpers for search templates."""

from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag
def with_query(url: str, q: str) -> str:
    """The result URL with ?q= so the target page can highlight the words."""
    if not q or not url or url.startswith(("http://", "https://")):
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'q': q})}"


@register.simple_tag
def querystring_for(text: str) -> str:
    """A query string searching for text."""
    return urlencode({"q": text})
