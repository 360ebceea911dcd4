"""The Content Security Policy: django-csp's strict policy for the site, relaxed for
Wagtail's admin."""

from csp.middleware import CSPMiddleware
from django.conf import settings


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
