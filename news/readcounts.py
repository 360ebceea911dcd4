"""Read counts kept in the cache and flushed to the database in batches.

A page view never writes to the database: the article page (itself cached) sends a
small beacon, which counts one read per visitor and article every few minutes and
ignores bots; a background task adds the pending numbers to ``NewsReadCount``.
"""

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

PENDING_KEY = "news:reads:pending:{pk}"
SEEN_KEY = "news:reads:seen:{pk}:{visitor}"
FLUSH_SCHEDULED_KEY = "news:reads:flush-scheduled"
FLUSH_BATCH = 500

BOT_PATTERN = re.compile(
    r"bot|spider|crawl|slurp|archiver|fetch|monitor|preview|headless|phantom|"
    r"curl|wget|python|java/|go-http|okhttp|httpclient|scrapy|feed|rss|"
    r"facebookexternalhit|yisou|sogou|bytespider|360spider",
    re.IGNORECASE,
)


def dedup_seconds() -> int:
    return getattr(settings, "PORTAL_NEWS_READ_DEDUP_SECONDS", 300)


def flush_delay_seconds() -> int:
    return getattr(settings, "PORTAL_NEWS_READ_FLUSH_SECONDS", 60)


def is_bot(user_agent: str) -> bool:
    """Crawlers, feed readers, link previews and scripts do not count as readers."""
    return not user_agent or bool(BOT_PATTERN.search(user_agent))


def record_read(page_id: int, *, visitor: str, user_agent: str) -> bool:
    """Count one read unless it is a bot or the same visitor within a few minutes."""
    if is_bot(user_agent):
        return False
    fingerprint = hashlib.sha256(f"{visitor}|{user_agent}".encode()).hexdigest()[:32]
    if not cache.add(
        SEEN_KEY.format(pk=page_id, visitor=fingerprint), 1, dedup_seconds()
    ):
        return False
    key = PENDING_KEY.format(pk=page_id)
    cache.add(key, 0, None)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)
    _schedule_flush()
    return True


def _schedule_flush() -> None:
    """At most one pending flush job at a time, run a little later to batch reads."""
    delay = flush_delay_seconds()
    if not cache.add(FLUSH_SCHEDULED_KEY, 1, delay):
        return
    from .tasks import flush_read_counts

    def enqueue():
        task = flush_read_counts
        if task.get_backend().supports_defer and delay:
            task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
        task.enqueue()

    transaction.on_commit(enqueue)


def pending_reads(page_ids: list[int]) -> dict[int, int]:
    """Reads counted in the cache but not yet flushed."""
    keys = {PENDING_KEY.format(pk=pk): pk for pk in page_ids}
    found = cache.get_many(list(keys))
    return {keys[key]: int(value) for key, value in found.items() if value}


def read_count(page) -> int:
    """Flushed plus pending reads of one article."""
    from .models import NewsReadCount

    stored = (
        NewsReadCount.objects.filter(page_id=page.pk)
        .values_list("count", flat=True)
        .first()
    ) or 0
    return stored + pending_reads([page.pk]).get(page.pk, 0)


def flush_pending_reads() -> int:
    """Move pending reads from the cache into the database; returns how many moved."""
    from .models import NewsArticlePage, NewsReadCount

    cache.delete(FLUSH_SCHEDULED_KEY)
    ids = list(NewsArticlePage.objects.values_list("pk", flat=True))
    moved = 0
    for start in range(0, len(ids), FLUSH_BATCH):
        pending = pending_reads(ids[start : start + FLUSH_BATCH])
        for page_id, count in pending.items():
            with transaction.atomic():
                updated = NewsReadCount.objects.filter(page_id=page_id).update(
                    count=F("count") + count
                )
                if not updated:
                    NewsReadCount.objects.create(page_id=page_id, count=count)
            cache.decr(PENDING_KEY.format(pk=page_id), count)
            moved += count
    return moved
