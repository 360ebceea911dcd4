"""The site's own address, for every absolute link the site hands out.

Canonical links, og:url and og:image, the sitemap, the RSS feeds and the links in
e-mails all come from here and never from the Host of the request being served.
``PORTAL_BASE_URL`` wins when it is set (production requires it, see home.checks);
otherwise the address is the Wagtail Site record's, as ``manage.py setup_site`` sets it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

SETTING = "PORTAL_BASE_URL"


def parse_base_url(value: str) -> str:
    """``scheme://host[:port]`` in lower case without a trailing slash.

    Raises ValueError with a Chinese explanation when the value is not one.
    """
    value = (value or "").strip().rstrip("/")
    if not value:
        raise ValueError("不能为空")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"须以 https:// 或 http:// 开头（现为 {value!r}）")
    if not parts.hostname:
        raise ValueError(f"缺少主机名（现为 {value!r}）")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"不能包含用户名或密码（现为 {value!r}）")
    if parts.path or parts.query or parts.fragment:
        raise ValueError(
            f"只能是协议和主机名（可带端口），不能带路径、查询参数或锚点（现为 {value!r}）"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"端口号不正确（现为 {value!r}）") from None
    host = parts.hostname
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


def configured_base_url() -> str:
    """PORTAL_BASE_URL normalised, or "" when it is unset (or malformed: see home.checks)."""
    try:
        return parse_base_url(getattr(settings, SETTING, ""))
    except ValueError:
        return ""


def _site(request=None):
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    return site or Site.objects.filter(is_default_site=True).first()


def site_root_url(request=None) -> str:
    """The site's own address (no trailing slash); "" if there is neither a setting
    nor a Site record. ``request`` only saves a query: its Host is never used."""
    configured = configured_base_url()
    if configured:
        return configured
    site = _site(request)
    return site.root_url if site else ""


def absolute_url(path: str, request=None) -> str:
    """``path`` ("/news/...") on the site's own address; absolute URLs (media on
    S3, for instance) come back unchanged."""
    if urlsplit(path).scheme or path.startswith("//"):
        return path
    return site_root_url(request) + "/" + path.lstrip("/")


def page_full_url(page, request=None) -> str | None:
    """The absolute URL of a Wagtail page on the site's own address (None if the
    page is not routable)."""
    parts = page.get_url_parts(request=request)
    if parts is None or parts[2] is None:
        return None
    _, root_url, page_path = parts
    return (configured_base_url() or root_url or "") + page_path


def rebase_site_url(url: str, request=None) -> str:
    """An absolute URL Wagtail built from the Site record, moved onto PORTAL_BASE_URL
    (for Wagtail's own URL lists, such as the sitemap's); other URLs are unchanged."""
    configured = configured_base_url()
    site = _site(request) if configured else None
    if site is None:
        return url
    root = site.root_url
    if url == root or url.startswith(root + "/"):
        return configured + url[len(root) :]
    return url
