"""The library page: the site search pre-filtered to policy documents."""

from django.template.response import TemplateResponse


def serve_library(page, request):
    return TemplateResponse(request, "library/policy_library_page.html", {"page": page})
