"""Request-level security: trusted proxies, idle sessions, the request seen by audit
signals, the admin's CSP."""

import ipaddress
import time
from functools import lru_cache

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ImproperlyConfigured

# Headers only a proxy may set: the scheme (SECURE_PROXY_SSL_HEADER), the client's
# address (members.security.client_ip) and their relatives.
FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_FORWARDED_PROTOCOL",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"PORTAL_TRUSTED_PROXIES 中有无效的地址（invalid address）：{error}"
        ) from error


def is_trusted_proxy(address: str) -> bool:
    """Whether the peer is one of PORTAL_TRUSTED_PROXIES (addresses or networks).

    No address at all is a Unix socket, which only local processes reach (gunicorn
    trusts those too)."""
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.PORTAL_TRUSTED_PROXIES)))


class TrustedProxyMiddleware:
    """Drop forwarding headers (X-Forwarded-Proto, -For …) unless a trusted proxy sent them.

    First in MIDDLEWARE, before anything reads the scheme or the client's address:
    a client that reaches the application server directly cannot make its request
    look secure or come from elsewhere. gunicorn's forwarded_allow_ips reads the
    same list (deploy/gunicorn.conf.py)."""

    def __init__(self, get_response):
        self.get_response = get_response
        _networks(tuple(settings.PORTAL_TRUSTED_PROXIES))  # a typo stops start-up

    def __call__(self, request):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDING_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


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


class PortalCSPMiddleware(CSPMiddleware):
    """The site's strict CSP, relaxed for Wagtail's admin, whose widgets use inline scripts."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(settings.PORTAL_ADMIN_PATH_PREFIX):
            parts.replace = {
                **(parts.replace or {}),
                **settings.PORTAL_ADMIN_CSP_REPLACE,
            }
            parts.nonce = None
        return parts
