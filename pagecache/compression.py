"""Pages compressed once, when they are rendered, not on every answer.

Behind the shipped nginx (deploy/nginx/portal.conf asks the app for gzip on every
request), a page is compressed here as it is rendered; the app's page cache
(pagecache/cache.py, which keys the compressed copy apart) and nginx's micro-cache
keep that copy and hand it out as it is, so a cached page costs no compression at
all. Without it nginx compressed the cached page again for every reader, which held
the micro-cache to a sixth of the rate nginx serves a static file at.

Only rendered text is compressed: pages, feeds, JSON. Files (documents, videos, their
ranges) and streaming answers pass untouched, as do clients that do not ask for gzip.
Django's GZipMiddleware does the work, with its BREACH mitigation (random bytes in
the gzip header).
"""

from django.middleware.gzip import GZipMiddleware, re_accepts_gzip

COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "text/xml",
        "application/json",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
    }
)


def accepts_gzip(request) -> bool:
    return bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


class PageGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for rendered text only; right after the page cache in MIDDLEWARE,
    so the cache stores what this produced."""

    def process_response(self, request, response):
        if response.get("Content-Encoding") == "None":
            # wagtail.utils.sendfile writes the str() of a file's missing encoding.
            del response["Content-Encoding"]
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip()
        if response.streaming or content_type not in COMPRESSIBLE_TYPES:
            return response
        return super().process_response(request, response)
