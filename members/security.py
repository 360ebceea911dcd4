"""Login auditing and the lockout response."""

from django.shortcuts import render

from .client_ip import client_ip
from .models import SecurityEvent


def client_username(request, credentials=None) -> str | None:
    """The username axes records for an attempt, cut to the 150 characters a
    username can have: a longer one names no account, and would overflow axes'
    column on PostgreSQL (a 500 instead of "wrong username or password")."""
    source = credentials or getattr(request, "data", request.POST)
    username = source.get("username")
    return None if username is None else str(username)[:150]


def record_event(
    request,
    action: str,
    *,
    user=None,
    username: str = "",
    instance=None,
    log_action: str = "",
    data: dict | None = None,
    **fields,
):
    """The one audit helper for a sensitive action: a SecurityEvent with the action,
    the user (the request's signed-in user unless given) and the client's address.

    With ``instance`` and ``log_action`` it also writes the object's history
    (Wagtail's log, shown on its 历史 page) with ``data``. Never store passwords or
    codes in ``detail`` or ``data``.
    """
    if user is None and not username and request is not None:
        signed_in = getattr(request, "user", None)
        if signed_in is not None and signed_in.is_authenticated:
            user = signed_in
    if user is not None and not username:
        username = user.get_username()
    if "detail" in fields:
        fields["detail"] = str(fields["detail"])[:255]
    if instance is not None and log_action:
        from wagtail.log_actions import log

        log(instance, log_action, user=user, data=data or {})
    return SecurityEvent.objects.create(
        action=action,
        user=user if user is not None and user.pk else None,
        username=username[:150],
        ip_address=client_ip(request),
        **fields,
    )


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """The page shown once axes locks an account or an IP (HTTP 429)."""
    return render(request, "members/locked_out.html", status=429)
