"""/healthz for load balancers and monitoring: fast, unauthenticated, no details."""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

OK, FAIL, DEGRADED = "ok", "fail", "degraded"


def check_database() -> str:
    """The default database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("health: database check failed", exc_info=True)
        return FAIL
    return OK


def check_cache() -> str:
    """The cache stores and returns a value (sessions and the page cache need it)."""
    key, value = "healthz:probe", uuid.uuid4().hex
    try:
        cache.set(key, value, 30)
        return OK if cache.get(key) == value else FAIL
    except Exception:
        logger.warning("health: cache check failed", exc_info=True)
        return FAIL


def check_task_queue() -> str:
    """Background jobs are being picked up: no ready job waits longer than allowed."""
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return OK
    from django_tasks_db.models import DBTaskResult

    limit = getattr(settings, "PORTAL_HEALTH_TASK_LAG_SECONDS", 600)
    since = timezone.now() - datetime.timedelta(seconds=limit)
    try:
        waiting = DBTaskResult.objects.ready().filter(enqueued_at__lt=since).exists()
    except DatabaseError:
        return FAIL
    return DEGRADED if waiting else OK


def check_search() -> str:
    """The search engine answers (the site works without it, searches do not)."""
    from search.backends import SearchUnavailable, get_backend

    try:
        get_backend().count()
    except SearchUnavailable:
        return DEGRADED
    except Exception:
        logger.warning("health: search check failed", exc_info=True)
        return DEGRADED
    return OK


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "tasks": check_task_queue,
    "search": check_search,
}
# Without these a web node cannot serve pages: the load balancer should take it out.
ESSENTIAL = {"database", "cache"}


@require_GET
@never_cache
def healthz(request):
    """200 while the node can serve pages (search or job lag only degrade it), else 503."""
    results = {name: check() for name, check in CHECKS.items()}
    failed = any(results[name] == FAIL for name in ESSENTIAL)
    degraded = any(value != OK for value in results.values())
    status = FAIL if failed else (DEGRADED if degraded else OK)
    return JsonResponse(
        {"status": status, "checks": results}, status=503 if failed else 200
    )
