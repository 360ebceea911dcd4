"""Sessions: the idle timeout, and the request seen by audit signals (the client's
address behind proxies is members/client_ip.py, the CSP members/csp.py)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout


def start_idle_timer(request) -> None:
    """Called at login: the session's idle time counts from now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[IdleTimeoutMiddleware.session_key] = int(time.time())


class IdleTimeoutMiddleware:
    """Log out any signed-in user after PORTAL_SESSION_IDLE_TIMEOUT seconds without a request.

    The request then goes on as an anonymous one: a public page says why the reader
    was logged out, pages that need a login send to the login form, the admin to
    its own, JSON endpoints answer 401. A session without a last-seen time (signed
    in before this check existed) counts as idle. After MessageMiddleware."""

    session_key = "portal_last_seen"
    # The last-seen time is written at most this often, not on every request.
    resolution = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.session_key)
            timeout = settings.PORTAL_SESSION_IDLE_TIMEOUT
            if last_seen is None or now - last_seen > timeout:
                from .security import record_event

                record_event(request, "idle_timeout", user=request.user)
                logout(request)
                messages.warning(
                    request,
                    f"您已超过 {max(1, timeout // 60)} 分钟未操作，"
                    "为保护账号安全已自动退出登录，请重新登录。",
                )
            elif now - last_seen >= self.resolution:
                request.session[self.session_key] = now
        return self.get_response(request)


class CurrentRequestMiddleware:
    """Expose the request to audit signal handlers that have no request argument."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .signal_handlers import current_request

        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
