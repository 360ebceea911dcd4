"""Non-page routes of the news portal: the read-count beacon."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from members.client_ip import client_ip

from .models import NewsArticlePage
from .readcounts import read_count, record_read


@csrf_exempt
@never_cache
@require_POST
def record_read_view(request, pk: int):
    """Count a read (deduplicated per visitor, bots ignored) and return the total.

    Exempt from CSRF: it is called from cached pages that carry no token, changes
    nothing but a counter, and counts each visitor once per few minutes.
    """
    page = get_object_or_404(NewsArticlePage.objects.live().public().only("pk"), pk=pk)
    record_read(
        page.pk,
        visitor=client_ip(request) or "",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return JsonResponse({"count": read_count(page)})
