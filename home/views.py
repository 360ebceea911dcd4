import functools
import io
import math

from django.core.exceptions import BadRequest
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import cache_control
from PIL import Image, ImageDraw

from .middleware import plain_error, wants_json


def bad_request(request, exception=None):
    """Chinese 400 page saying what was wrong with the request.

    A BadRequest (home.params.BadParameter from our views) carries that message and
    is shown in the site frame, or as JSON to JSON clients. Other causes (a bad Host
    header, too many fields) get the frame-free page: the request itself is suspect.
    """
    if isinstance(exception, BadRequest):
        message = str(exception) or "请求有误。"
        if wants_json(request):
            return JsonResponse({"error": message}, status=400)
        return render(request, "400.html", {"message": message}, status=400)
    return plain_error(request, 400, "提交的内容格式不正确或超出范围，请检查后重试。")


def page_not_found(request, exception=None):
    """Chinese 404 page inside the site frame."""
    return render(request, "404.html", status=404)


def server_error(request):
    """Chinese 500 page with no database access (the frame may be what failed)."""
    return HttpResponseServerError(loader.get_template("500.html").render())


@functools.cache
def _favicon_bytes() -> bytes:
    """The site emblem as an ICO (16, 32 and 48 px): a gold star on a red disc, drawn
    here so that /favicon.ico, which browsers and crawlers ask for whatever the page
    links, answers with the emblem instead of a 404."""
    size = 192
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size - 5, size - 5), fill=(200, 22, 29, 255))
    centre, outer, inner = size / 2, size * 0.36, size * 0.145
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        points.append(
            (centre + radius * math.cos(angle), centre - radius * math.sin(angle))
        )
    draw.polygon(points, fill=(255, 214, 0, 255))
    out = io.BytesIO()
    image.save(out, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return out.getvalue()


@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request):
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")
