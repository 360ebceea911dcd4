"""Accounts whose password someone else set must change it before anything else."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

SESSION_KEY = "portal_password_must_change"
# URL names a signed-in account that must change its password may still open.
ALLOWED_URL_NAMES = (
    "members:password_change",
    "members:password_change_done",
    "members:logout",
    "wagtailadmin_logout",
)


def forget_password_flag(request) -> None:
    """Drop the session's copy of the flag; the next request reads it afresh."""
    request.session.pop(SESSION_KEY, None)


def _allowed_prefixes() -> tuple[str, ...]:
    prefixes = [settings.STATIC_URL, settings.MEDIA_URL, "/healthz"]
    for name in ALLOWED_URL_NAMES:
        try:
            prefixes.append(reverse(name))
        except NoReverseMatch:
            continue
    return tuple(p for p in prefixes if p)


class PasswordChangeRequiredMiddleware:
    """Redirect every request of a flagged account to the password change page.

    The flag (members.PasswordStatus.must_change) is read once per session and kept
    there with the account's id; the change view clears it. After
    AuthenticationMiddleware, SessionMiddleware and the idle-timeout check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and self._must_change(request, user)
            and not request.path_info.startswith(_allowed_prefixes())
        ):
            return redirect("members:password_change")
        return self.get_response(request)

    @staticmethod
    def _must_change(request, user) -> bool:
        cached = request.session.get(SESSION_KEY)
        if isinstance(cached, list) and len(cached) == 2 and cached[0] == user.pk:
            return bool(cached[1])
        from .services import password_must_change

        value = password_must_change(user)
        request.session[SESSION_KEY] = [user.pk, value]
        return value
