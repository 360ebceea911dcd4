"""Full-page cache for anonymous readers, purged whenever published content changes.

Pages opt in (``CachedPageMixin``); the middleware answers later anonymous GETs for the
same URL from the cache without touching the database. Every publish, unpublish, move
or delete bumps one generation number, so no reader ever sees a page older than the
last publish.

The middleware comes first in MIDDLEWARE, so a hit is answered before security,
sessions, authentication, CSRF, lockout and the other middleware do any work. A stored
page keeps every header they gave it (CSP, X-Frame-Options, HSTS, nosniff,
Referrer-Policy …). Their redirects are never stored, and the key carries the scheme:
with SECURE_SSL_REDIRECT a plain-HTTP request finds nothing and is redirected as before.
"""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse

T = TypeVar("T")

GENERATION_KEY = "pagecache:generation"
# Besides the session and CSRF cookies: pending messages are shown once, to one reader.
BYPASS_COOKIES = ("messages",)
KEPT_QUERY_PARAMS = ("page",)
# Never replayed from the cache: said afresh on every response.
UNSTORED_HEADERS = frozenset({"x-page-cache", "date"})
# Pages this process already read from the shared cache, under the same keys (which
# carry the generation, so a purge reaches them too): a hit then reads only the small
# generation value from the shared cache.
_local_pages = LocMemCache("portal-page-cache", {"OPTIONS": {"MAX_ENTRIES": 300}})


def cache_seconds() -> int:
    return getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0)


def purge_all() -> None:
    """Make every cached page stale at once (new generation)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, generation, None):
            generation = cache.get(GENERATION_KEY, generation)
    return generation


_MISSING = object()


def cached_until_purge(name: str, build: Callable[[], T]) -> T:
    """What `build` returns from published content, kept until the next purge.

    For the parts of pages that every reader shares (menus, settings, neighbouring
    articles), so a render that cannot use the page cache (a logged-in member) does
    not recompute them. Follows PORTAL_PAGE_CACHE_SECONDS; 0 computes every time."""
    seconds = cache_seconds()
    if seconds <= 0:
        return build()
    key = f"pagedata:{_generation()}:{name}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(key, value, seconds)
    return value


def restricted_page_paths() -> list[str]:
    """Tree paths of the pages with view restrictions (private sections)."""
    from wagtail.models import PageViewRestriction

    return cached_until_purge(
        "restricted-page-paths",
        lambda: list(PageViewRestriction.objects.values_list("page__path", flat=True)),
    )


def _bypass_cookies() -> tuple[str, ...]:
    """A session may be logged in; a page rendered for a CSRF cookie may carry its token."""
    return (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, *BYPASS_COOKIES)


def is_anonymous_request(request) -> bool:
    """A plain reader: GET/HEAD without session, CSRF or messages cookies."""
    if request.method not in ("GET", "HEAD"):
        return False
    if "HTTP_COOKIE" not in request.META:
        return True
    cookies = request.COOKIES
    return not any(name in cookies for name in _bypass_cookies())


def cache_key(request) -> str:
    """Host, path and the query parameters pages use; tracking parameters are ignored
    (WeChat appends ?from=...&isappinstalled=0 to shared links).

    The host is the raw Host header: a page is stored only after a whole render, which
    refused a host outside ALLOWED_HOSTS, so other hosts never find anything."""
    kept = ""
    if request.META.get("QUERY_STRING"):
        kept = "&".join(
            f"{name}={request.GET[name]}"
            for name in KEPT_QUERY_PARAMS
            if name in request.GET
        )
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    return (
        f"pagecache:v2:{_generation()}:{request.scheme}://{host}{request.path}?{kept}"
    )


def mark_cacheable(request, response):
    """Called by pages: allow the middleware to store this response."""
    if is_anonymous_request(request) and not request.user.is_authenticated:
        response.portal_cacheable = True
    return response


class CachedPageMixin:
    """Page mixin: anonymous responses of this page type go into the page cache."""

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        return mark_cacheable(request, response)


def _storable(response) -> bool:
    """A page that opted in, rendered whole, the same for every anonymous reader."""
    return (
        getattr(response, "portal_cacheable", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        # A CSP nonce must differ on every response; a shared copy would repeat it.
        and "'nonce-" not in response.get("Content-Security-Policy", "")
    )


class AnonymousPageCacheMiddleware:
    """Serve and store pages that opted in, for anonymous GET requests.

    First in MIDDLEWARE (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = cache_seconds()
        if (
            seconds <= 0
            or request.path_info.startswith(settings.STATIC_URL)
            or not is_anonymous_request(request)
        ):
            return self.get_response(request)
        key = cache_key(request)
        stored = _local_pages.get(key)
        if stored is None:
            stored = cache.get(key)
            if stored is not None:
                _local_pages.set(key, stored, seconds)
        if stored is not None:
            stored["X-Page-Cache"] = "hit"
            return stored
        response = self.get_response(request)
        if _storable(response):
            stored = HttpResponse(
                response.content,
                status=response.status_code,
                headers={
                    name: value
                    for name, value in response.items()
                    if name.lower() not in UNSTORED_HEADERS
                },
            )
            cache.set(key, stored, seconds)
            _local_pages.set(key, stored, seconds)
            response["X-Page-Cache"] = "miss"
        return response


class CachedSiteMiddleware:
    """Finds the request's Wagtail Site once per purge instead of once per request.

    Wagtail keeps the site it found on ``request._wagtail_site`` (see
    ``Site.find_for_request``); this sets it from the cache, keyed by host and port.
    Saving or deleting a Site purges. After CommonMiddleware, which refuses hosts
    outside ALLOWED_HOSTS, so only real hosts get an entry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from wagtail.models import Site

        host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
        request._wagtail_site = cached_until_purge(
            f"site:{host}:{request.get_port()}",
            lambda: Site.find_for_request(request),
        )
        return self.get_response(request)
