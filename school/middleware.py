"""Study heartbeats answered before the rest of the middleware, when Redis buffers them."""

from __future__ import annotations

import contextlib
import time
from importlib import import_module

import redis
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from . import heartbeat_buffer


class HeartbeatMiddleware:
    """Answer a member's routine heartbeat with the session, Django's CSRF check and one
    Redis script, skipping the rest of the stack (issue 11: 1,000 heartbeats/s).

    Only the plain case is answered here: a POST to the heartbeat URL over HTTPS (or
    with SSL redirects off), a session whose user and member the Redis script
    recognises, whose idle-timeout clock needs no update, a CSRF check that passes,
    a well-formed beat for a ready lesson without view restrictions. Anything else
    goes down the normal stack to `school.views.heartbeat`, which answers it in full
    (and fills the cache the script checks). Nothing is written to Redis before the
    request is known to be the plain case, so a request is never admitted twice.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.security = SecurityMiddleware(get_response)
        self.engine = import_module(settings.SESSION_ENGINE)
        self._path = ""

    def __call__(self, request):
        if request.method == "POST" and heartbeat_buffer.enabled():
            if not self._path:
                self._path = reverse("school:heartbeat")
            if request.path_info == self._path:
                response = self.answer(request)
                if response is not None:
                    return response
        return self.get_response(request)

    def answer(self, request):
        from .views import (
            MEMBER_SESSION_KEY,
            BadBeat,
            heartbeat,
            outcome_response,
            parse_beat,
        )

        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not session_key:
            return None
        session = self.engine.SessionStore(session_key)
        user_id = session.get(SESSION_KEY)
        session_hash = session.get(HASH_SESSION_KEY)
        member_id = session.get(MEMBER_SESSION_KEY)
        if not (user_id and session_hash and member_id):
            return None
        request.session = session
        if self.csrf.process_request(request) is not None:
            return None
        if self.csrf.process_view(request, heartbeat, (), {}) is not None:
            return None
        try:
            beat = parse_beat(request)
        except BadBeat:
            return None
        idle_write = _keep_idle_clock(session)
        if idle_write is None or _must_change_password(session):
            return None
        from .services import lesson_target

        lesson = lesson_target(beat.lesson_id)
        if lesson is None or not lesson.ready or lesson.restricted:
            return None
        try:
            buffered = heartbeat_buffer.buffer_heartbeat(
                user_id=int(user_id),
                session_hash=session_hash,
                member_id=member_id,
                lesson=lesson,
                intervals=beat.clean_intervals(lesson.duration),
                position=beat.position,
                playing=beat.playing,
            )
        except redis.RedisError:
            return None  # the view answers 503
        if buffered is None:
            return None
        if idle_write:
            # Logged out meanwhile: its next request is answered 401.
            with contextlib.suppress(UpdateError):
                session.save()
        if buffered.fold_due:
            heartbeat_buffer.schedule_fold()
        response = outcome_response(request, buffered.outcome(lesson, beat.position))
        add_never_cache_headers(response)
        return self.security.process_response(request, response)


def _must_change_password(session) -> bool:
    """The session's copy of members.accounts' flag: such an account is sent to the
    password change page by the full stack, heartbeats included."""
    from members.accounts.middleware import SESSION_KEY as FLAG

    flag = session.get(FLAG)
    return bool(isinstance(flag, list) and len(flag) == 2 and flag[1])


def _keep_idle_clock(session) -> bool | None:
    """Keep the idle timeout's clock (members.middleware) for this session: None if
    that middleware must see the request itself (no last-seen time, or idle too long:
    it logs the session out), True if the last-seen time was just moved to now (save
    the session), False if nothing changes. Sites without it have no idle clock."""
    from members import middleware

    idle = getattr(middleware, "IdleTimeoutMiddleware", None)
    timeout = getattr(settings, "PORTAL_SESSION_IDLE_TIMEOUT", None)
    if idle is None or timeout is None:
        return False
    last_seen = session.get(idle.session_key)
    now = int(time.time())
    if last_seen is None or now - last_seen > timeout:
        return None
    if now - last_seen < max(idle.resolution, timeout // IDLE_WRITES_PER_TIMEOUT):
        return False
    session[idle.session_key] = now
    return True


# A heartbeat moves the session's last-seen time this many times per idle timeout
# (every 5 minutes of the default 30), not once a minute as page requests do: a
# session write is a database write (cached_db), and 10,000 members watching would
# make 170 of them a second. The session may then end up to 5 minutes early after
# the member stops watching, never late.
IDLE_WRITES_PER_TIMEOUT = 6
