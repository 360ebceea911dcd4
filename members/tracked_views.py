"""What the public pages of objects followed with a number and a query code share
(letters, members.tracked; feedback on notices): the form that asks for the pair, the
receipt shown once after sending, and the object a browser opened, kept in its session
for a while so that it can be read and acted on without typing the code again."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.shortcuts import render
from django.utils import timezone

from .client_ip import client_ip
from .ratelimit import RateLimited

TRACK_SESSION_SECONDS = 30 * 60


class TrackForm(forms.Form):
    """The number and the query code; subclasses name the number (``number_label``)."""

    number_label = "编号"

    number = forms.CharField(
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label="查询码",
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].label = self.number_label


def receipt_page(request, session_key: str, template: str, expired_template: str):
    """The number and the query code, exactly once: the receipt the sending view put
    in the session under ``session_key``, or 410 once it has been shown."""
    receipt = request.session.pop(session_key, None)
    if receipt is None:
        return render(request, expired_template, status=410)
    response = render(request, template, {"receipt": receipt})
    response["Cache-Control"] = "no-store"
    return response


class TrackedSession:
    """The one object this browser opened, by its primary key under ``session_key``,
    for TRACK_SESSION_SECONDS."""

    def __init__(self, session_key: str):
        self.session_key = session_key

    def remember(self, request, obj) -> None:
        request.session[self.session_key] = {
            "id": obj.pk,
            "until": timezone.now().timestamp() + TRACK_SESSION_SECONDS,
        }

    def forget(self, request) -> None:
        request.session.pop(self.session_key, None)

    def pk(self, request) -> int | None:
        """The opened object's primary key, or None when nothing is open any more."""
        tracked = request.session.get(self.session_key)
        if not tracked or tracked.get("until", 0) < timezone.now().timestamp():
            return None
        return tracked.get("id")

    def open(
        self, request, form: TrackForm, find: Callable, *, wrong: str
    ) -> int | None:
        """Look up the valid form's number and code with ``find(number, code, ip=)``;
        remember what it finds in a new session key and answer None, else add the
        reason to the form and answer the page's status (404 ``wrong``, 429 limited)."""
        try:
            found = find(
                form.cleaned_data["number"],
                form.cleaned_data["code"],
                ip=client_ip(request),
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            return 429
        if found is None:
            form.add_error(None, wrong)
            return 404
        request.session.cycle_key()
        self.remember(request, found)
        return None
