"""Objects a visitor follows with a tracking number and a query code.

Letters (mailbox) and feedback on public notices (notices) are both handed to their
writer as a number and a one-time query code, stored only as a keyed hash. This
module issues the pair and finds the object again, with the same rate limits for
wrong tries whatever the app::

    number, code, code_hash = issue(today, purpose="notice-feedback")
    feedback = find_tracked(
        NoticeFeedback.objects.all(), number, code, ip=ip,
        purpose="notice-feedback", scope="notice-track",
    )
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.db.models import QuerySet

from . import ratelimit, tracking
from .ratelimit import Limit, RateLimited


def code_key(purpose: str) -> bytes:
    """The key of the query-code hashes of one kind of object."""
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


def hash_code(code: str, *, purpose: str) -> str:
    """The stored form of a query code."""
    return tracking.hash_query_code(code, key=code_key(purpose))


def issue(today: date, *, purpose: str) -> tuple[str, str, str]:
    """A new tracking number, a new query code and the code's hash."""
    code = tracking.new_query_code()
    return tracking.new_tracking_number(today), code, hash_code(code, purpose=purpose)


def find_tracked(
    queryset: QuerySet,
    number: str,
    code: str,
    *,
    ip: str | None,
    purpose: str,
    scope: str,
    number_field: str = "tracking_number",
    code_field: str = "query_code_hash",
):
    """The object with this number and code, or None; wrong tries are rate-limited.

    Each try takes its slot before the code is checked; a right code gives it back.
    Tries count per address and number, and per address across numbers, so a
    stranger who burns a number's tries locks out only themselves, not its writer
    (the 80-bit query code, not a lock on the number, stops guessing from many
    addresses). Raises RateLimited once a limit is used up; the answer for a wrong
    number and for a wrong code is the same. The limits are the mailbox's
    (PORTAL_MAILBOX_TRACK_*), counted separately under each ``scope``.
    """
    lockout = settings.PORTAL_MAILBOX_TRACK_LOCKOUT
    normalized = tracking.normalize_tracking_number(number) or number.strip().upper()
    per_number = settings.PORTAL_MAILBOX_TRACK_ATTEMPTS
    if ip:
        limits = [
            Limit(f"{scope}-ip-number", f"{ip}|{normalized}", per_number, lockout),
            Limit(
                f"{scope}-ip",
                ip,
                settings.PORTAL_MAILBOX_TRACK_ATTEMPTS_PER_IP,
                lockout,
            ),
        ]
    else:
        limits = [Limit(f"{scope}-number", normalized, per_number, lockout)]
    if not ratelimit.acquire(*limits):
        raise RateLimited(f"查询错误次数过多，请 {max(1, lockout // 60)} 分钟后再试。")
    found = queryset.filter(**{number_field: normalized}).first()
    digest = getattr(found, code_field) if found else "0" * 64
    matches = tracking.query_code_matches(code, digest, key=code_key(purpose))
    if found is None or not matches:
        return None
    ratelimit.release(*limits)
    return found
