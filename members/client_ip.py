"""The client's address: forwarding headers count only from trusted proxies.

TrustedProxyMiddleware drops them from anyone else before anything reads them, and
client_ip() reads the address the audit log, rate limits and axes record.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Headers only a proxy may set: the scheme (SECURE_PROXY_SSL_HEADER), the client's
# address (client_ip below) and their relatives.
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


def client_ip(request) -> str | None:
    """The client's address; X-Forwarded-For counts only behind trusted proxies."""
    if request is None:
        return None
    proxies = settings.PORTAL_TRUSTED_PROXY_COUNT
    if proxies:
        hops = [
            h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")
