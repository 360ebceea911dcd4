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

from .compression import accepts_gzip

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
# What pages share (cached_until_purge), per process under generation-bearing keys:
# read without I/O, and rebuilt by each process after a purge (a file cache would list
# its folder on each of those writes).
_local_data = LocMemCache("portal-page-data", {"OPTIONS": {"MAX_ENTRIES": 1000}})


def cache_seconds() -> int:
    """How long the anonymous page cache keeps a page (0: off)."""
    return getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0)


def data_cache_seconds() -> int:
    """How long cached_until_purge keeps what pages share (0: off); by default the
    page cache's time (config/settings/base.py)."""
    seconds = getattr(settings, "PORTAL_PAGE_DATA_CACHE_SECONDS", None)
    return cache_seconds() if seconds is None else seconds


def purge_all() -> None:
    """Make every cached page stale at once (new generation)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def purge_on_change(**kwargs) -> None:
    """A signal receiver: purge_all(), whatever the signal says."""
    purge_all()


def purge_when_changed(*models) -> None:
    """Purge the cache whenever a row of these models is saved or deleted (for rows
    that pages show, e.g. news columns, or that decide what readers may see)."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        uid = f"page-cache-purge-{model._meta.label}"
        post_save.connect(purge_on_change, sender=model, dispatch_uid=uid)
        post_delete.connect(purge_on_change, sender=model, dispatch_uid=f"{uid}-del")


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, generation, None):
            generation = cache.get(GENERATION_KEY, generation)
    return generation


_MISSING = object()


def cached_until_purge(
    name: str, build: Callable[[], T], keep: Callable[[T], bool] | None = None
) -> T:
    """What `build` returns from published content, kept until the next purge.

    For the parts of pages that every reader shares (menus, settings, neighbouring
    articles), so a render that cannot use the page cache (a logged-in member) does
    not recompute them. Kept in this process (see _local_data); the generation is
    shared, so a purge anywhere reaches every process. `keep` may refuse to store a
    value. Follows PORTAL_PAGE_DATA_CACHE_SECONDS (by default the page cache's
    PORTAL_PAGE_CACHE_SECONDS); 0 computes every time."""
    seconds = data_cache_seconds()
    if seconds <= 0:
        return build()
    key = f"pagedata:{_generation()}:{name}"
    value = _local_data.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        if keep is None or keep(value):
            _local_data.set(key, value, seconds)
    return value


def restricted_page_paths() -> list[str]:
    """Tree paths of the pages with view restrictions (private sections)."""
    from wagtail.models import PageViewRestriction

    return cached_until_purge(
        "restricted-page-paths",
        lambda: list(PageViewRestriction.objects.values_list("page__path", flat=True)),
    )


def outside_private_sections(pages) -> list:
    """The pages not under a view restriction, for lists shared by every reader (the
    home page's newest documents and courses)."""
    private = restricted_page_paths()
    return [p for p in pages if not any(p.path.startswith(r) for r in private)]


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
    """Host, path, the query parameters pages use and whether the client takes gzip;
    tracking parameters are ignored (WeChat appends ?from=...&isappinstalled=0 to
    shared links).

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
    # Compressed and plain copies apart (pagecache/compression.py compresses for clients
    # that ask for gzip, as nginx always does).
    encoding = "gzip" if accepts_gzip(request) else "identity"
    return (
        f"pagecache:v3:{_generation()}:{encoding}:{request.scheme}://{host}"
        f"{request.path}?{kept}"
    )


def mark_cacheable(request, response):
    """Called by pages: allow the middleware to store this response."""
    if is_anonymous_request(request) and not request.user.is_authenticated:
        response.portal_cacheable = True
    return response


class KnownRestrictionsMixin:
    """Page mixin: skips Wagtail's view-restriction queries on a site that has no
    private sections (known from the list kept until the next purge)."""

    def get_view_restrictions(self):
        if not restricted_page_paths():
            from wagtail.models import PageViewRestriction

            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def _routable_pages() -> dict[str, object]:
    """Pages with sub-routes (RoutablePageMixin), by URL path, live or not."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import Page, get_page_models

    models = [m for m in get_page_models() if issubclass(m, RoutablePageMixin)]
    types = ContentType.objects.get_for_models(*models).values()
    return {
        page.url_path: page.specific
        for page in Page.objects.filter(content_type__in=types)
    }


class CachedRoutesMixin:
    """Site-root mixin: Wagtail's routing, with what it finds kept until the next purge.

    A page at the end of a URL path is kept under that path. Sub-routes of routable
    pages (/news/column/…) are not kept per URL (made-up URLs would fill the cache):
    the routable page nearest the end of the path is taken from a list kept per purge
    and resolves the rest itself, as it would after Wagtail's walk down the tree.
    Paths that lead nowhere raise Http404 and are never kept."""

    def route(self, request, path_components):
        if not path_components or getattr(request, "is_preview", False):
            return super().route(request, path_components)
        return cached_until_purge(
            f"route:{self.pk}:{'/'.join(path_components)}",
            lambda: self._route_uncached(request, path_components),
            keep=lambda result: not result.args and not result.kwargs,
        )

    def _route_uncached(self, request, path_components):
        routable = cached_until_purge("routable-pages", _routable_pages)
        for end in range(len(path_components), 0, -1):
            url_path = self.url_path + "".join(f"{c}/" for c in path_components[:end])
            page = routable.get(url_path)
            if page is not None:
                return page.route(request, path_components[end:])
        return super().route(request, path_components)


class CachedPageMixin(KnownRestrictionsMixin):
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


def _find_site(request):
    from wagtail.models import Site

    site = Site.find_for_request(request)
    if site is not None:
        site.root_page.specific  # noqa: B018 (kept with the site: routing starts there)
    return site


class CachedSiteMiddleware:
    """Finds the request's Wagtail Site once per purge instead of once per request.

    Wagtail keeps the site it found on ``request._wagtail_site`` (see
    ``Site.find_for_request``); this sets it from the cache, keyed by host and port.
    Saving or deleting a Site purges. After CommonMiddleware, which refuses hosts
    outside ALLOWED_HOSTS, so only real hosts get an entry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
        request._wagtail_site = cached_until_purge(
            f"site:{host}:{request.get_port()}", lambda: _find_site(request)
        )
        return self.get_response(request)
