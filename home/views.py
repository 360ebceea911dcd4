from django.core.exceptions import BadRequest
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

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
