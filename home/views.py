from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def page_not_found(request, exception=None):
    """Chinese 404 page inside the site frame."""
    return render(request, "404.html", status=404)


def server_error(request):
    """Chinese 500 page with no database access (the frame may be what failed)."""
    return HttpResponseServerError(loader.get_template("500.html").render())
