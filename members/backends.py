"""The first authentication backend: login attempts are limited before any password check."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings

from . import ratelimit
from .client_ip import client_ip
from .ratelimit import Limit


def login_limits(request, username: str) -> list[Limit]:
    """The account's and the address's allowance of password checks (axes' numbers)."""
    count = settings.AXES_FAILURE_LIMIT
    window = int(settings.AXES_COOLOFF_TIME * 3600)
    limits = [Limit("login-user", username, count, window)]
    ip = client_ip(request)
    if ip:
        limits.append(Limit("login-ip", ip, count, window))
    return limits


class RateLimitedAxesBackend(AxesStandaloneBackend):
    """axes' lockout, made to hold under concurrency.

    axes reads its failure count before the password is checked and writes it after,
    so simultaneous attempts all see the old count. Here every attempt first takes a
    slot of `login_limits` atomically (members.ratelimit): with 40 at once, exactly
    AXES_FAILURE_LIMIT reach the password check; the others are refused as locked
    out, marked ``request.portal_login_refused``. A successful login clears the
    counts, as axes clears its failures (members.signal_handlers).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return super().authenticate(request, username, password, **kwargs)
        limits = login_limits(request, str(username))
        if not ratelimit.acquire(*limits):
            request.portal_login_refused = True
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("login attempts rate-limited")
        try:
            super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            ratelimit.release(*limits)
            request.portal_login_refused = True
            raise
        request.portal_login_limits = limits
        return None
