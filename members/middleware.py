"""Request-level security: idle admin sessions, the request seen by audit signals."""

import time

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect


class AdminIdleTimeoutMiddleware:
    """Log a user out of the admin after PORTAL_ADMIN_IDLE_TIMEOUT seconds without a request."""

    session_key = "portal_admin_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/") and request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.session_key)
            if last_seen and now - last_seen > settings.PORTAL_ADMIN_IDLE_TIMEOUT:
                from .security import record_event

                record_event(request, "idle_timeout", user=request.user)
                logout(request)
                return redirect(f"/admin/login/?next={request.path}")
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
