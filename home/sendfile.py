"""Wagtail's SENDFILE_BACKEND behind nginx: documents leave through X-Accel-Redirect.

Wagtail's document view checks collection privacy, then hands the file's path to
``wagtail.utils.sendfile``, which calls ``sendfile()`` below. The answer carries no
body: nginx's internal location named by ``PORTAL_DOCUMENTS_ACCEL_REDIRECT`` (aliased
to MEDIA_ROOT, see deploy/nginx/portal.conf) sends the bytes, byte ranges included.
Production settings switch it on when that variable is set.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpResponse


def accel_path(filename: str | Path) -> str:
    """The internal nginx URI of a file under MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        relative = Path(filename).resolve().relative_to(root)
    except ValueError:
        # Only MEDIA_ROOT is mapped; anything else would be a 404 from nginx anyway.
        raise Http404 from None
    prefix = settings.PORTAL_DOCUMENTS_ACCEL_REDIRECT.rstrip("/")
    return quote(f"{prefix}/{relative.as_posix()}")


def sendfile(request, filename, **kwargs) -> HttpResponse:
    """An empty response whose X-Accel-Redirect names the file for nginx."""
    response = HttpResponse()
    response["X-Accel-Redirect"] = accel_path(filename)
    return response
