"""Rate limits that hold under concurrency, across web processes and hosts.

An attempt takes its slot *before* the work it guards (checking a query code, storing
a letter, checking a password) in one atomic step, so 40 simultaneous attempts
against a limit of 5 let exactly 5 through. The counters live in Redis when the site
has one (``PORTAL_RATELIMIT_REDIS_URL``, set from ``REDIS_URL``): a Lua script
increments and sets the expiry at once. Otherwise they are rows of
``members.RateLimitCounter`` in the site's database, incremented under a row lock
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises
writers), which every process of a one-machine site shares. Django's file and
local-memory caches cannot do this: their ``incr`` is a read and a write.

Windows are fixed: a key's window starts with its first attempt and its count is
forgotten ``window`` seconds later. Keys are stored as keyed digests, never as the
addresses, names or numbers they stand for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .fields import lookup_digest


class RateLimited(Exception):
    """Too many attempts; the message is Chinese and shown as it is."""


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts per `window` seconds for `ident` within `scope`."""

    scope: str
    ident: str
    limit: int
    window: int

    @property
    def key(self) -> str:
        return f"{self.scope}:{lookup_digest(self.ident)[:40]}"


def acquire(*limits: Limit) -> bool:
    """Count one attempt against every limit at once.

    Returns False, and counts nothing, when any of them is used up."""
    backend = _backend()
    taken: list[Limit] = []
    for limit in limits:
        if backend.incr(limit.key, limit.window) > limit.limit:
            backend.decr(limit.key)
            for earlier in taken:
                backend.decr(earlier.key)
            return False
        taken.append(limit)
    return True


def release(*limits: Limit) -> None:
    """Give back an attempt that turned out not to count (a right code, a failed save)."""
    backend = _backend()
    for limit in limits:
        backend.decr(limit.key)


def reset(*limits: Limit) -> None:
    """Forget every attempt counted under these keys (a successful login)."""
    backend = _backend()
    for limit in limits:
        backend.delete(limit.key)


def attempts(limit: Limit) -> int:
    """Attempts counted in the key's current window."""
    return _backend().get(limit.key)


def purge_expired() -> int:
    """Delete database counters whose window has passed; the number deleted."""
    return DatabaseCounters().purge_expired()


def _backend():
    url = getattr(settings, "PORTAL_RATELIMIT_REDIS_URL", "")
    return RedisCounters.for_url(url) if url else DatabaseCounters()


class DatabaseCounters:
    """Counters as rows of the site's database, one row per key."""

    def incr(self, key: str, window: int) -> int:
        from .models import RateLimitCounter

        now = timezone.now()
        with transaction.atomic():
            row, created = RateLimitCounter.objects.select_for_update().get_or_create(
                key=key,
                defaults={"count": 1, "expires_at": now + timedelta(seconds=window)},
            )
            if created:
                return 1
            if row.expires_at <= now:
                row.count, row.expires_at = 1, now + timedelta(seconds=window)
            else:
                row.count += 1
            row.save(update_fields=["count", "expires_at"])
            return row.count

    def decr(self, key: str) -> None:
        from .models import RateLimitCounter

        RateLimitCounter.objects.filter(
            key=key, count__gt=0, expires_at__gt=timezone.now()
        ).update(count=F("count") - 1)

    def delete(self, key: str) -> None:
        from .models import RateLimitCounter

        RateLimitCounter.objects.filter(key=key).delete()

    def get(self, key: str) -> int:
        from .models import RateLimitCounter

        row = RateLimitCounter.objects.filter(
            key=key, expires_at__gt=timezone.now()
        ).first()
        return row.count if row else 0

    def purge_expired(self) -> int:
        from .models import RateLimitCounter

        deleted, _ = RateLimitCounter.objects.filter(
            expires_at__lte=timezone.now()
        ).delete()
        return deleted


# INCR, and start the window on the first attempt (or on a key that lost its expiry).
_INCR = """
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
"""
# DECR only a live, positive counter: never create a key without an expiry.
_DECR = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


class RedisCounters:
    """Counters as Redis keys with an expiry, changed by Lua scripts (atomic)."""

    prefix = "portal:ratelimit:"
    _instances: dict[str, RedisCounters] = {}
    _lock = threading.Lock()

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self._incr = self.client.register_script(_INCR)
        self._decr = self.client.register_script(_DECR)

    @classmethod
    def for_url(cls, url: str) -> RedisCounters:
        """One client (and connection pool) per URL and process."""
        with cls._lock:
            if url not in cls._instances:
                cls._instances[url] = cls(url)
            return cls._instances[url]

    def incr(self, key: str, window: int) -> int:
        return int(self._incr(keys=[self.prefix + key], args=[window * 1000]))

    def decr(self, key: str) -> None:
        self._decr(keys=[self.prefix + key])

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def get(self, key: str) -> int:
        return int(self.client.get(self.prefix + key) or 0)
