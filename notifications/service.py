"""notify(): the one way apps tell users something, on the site and by e-mail.

The in-site rows are written in one transaction with the caller's; e-mail goes out
from a background task after commit, so a slow or broken mail server never blocks
or rolls back the action that notified. A failed send is retried with growing
waits (PORTAL_NOTIFICATION_EMAIL_RETRY_SECONDS) by the periodic job
``send_notification_emails``; after the last try the row says 发送失败 and the
failure is logged at ERROR.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from . import kinds
from .models import EmailPreference, Notification

logger = logging.getLogger(__name__)

# A claimed send not finished after this long (worker killed mid-send) is tried again.
STALE_CLAIM = timedelta(minutes=15)


def notify(
    recipients: Iterable,
    kind: str,
    *,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Tell these users (accounts or ids) about one event; returns the new rows.

    Inactive accounts are skipped. With a dedupe_key, a recipient who already has a
    notification under that key gets nothing new (the same event is never sent
    twice). E-mail is queued for recipients with an address who have not turned the
    kind off; it is sent after the surrounding transaction commits."""
    kinds.get(kind)  # KeyError for a kind nobody registered
    user_ids = _user_ids(recipients)
    if not user_ids:
        return []
    User = get_user_model()
    users = list(User.objects.filter(pk__in=user_ids, is_active=True))
    with transaction.atomic():
        if dedupe_key:
            already = set(
                Notification.objects.filter(
                    recipient__in=users, dedupe_key=dedupe_key
                ).values_list("recipient_id", flat=True)
            )
            users = [u for u in users if u.pk not in already]
        if not users:
            return []
        mailed = set(email_recipients(users, kind))
        rows = [
            Notification(
                recipient=user,
                kind=kind,
                title=title[:120],
                body=body[:300],
                url=url[:300],
                dedupe_key=dedupe_key or None,
                email_status=(
                    Notification.Email.PENDING
                    if user.pk in mailed
                    else Notification.Email.NONE
                ),
            )
            for user in users
        ]
        created = _create(rows)
        to_mail = [
            n.pk for n in created if n.email_status == Notification.Email.PENDING
        ]
        if to_mail:
            transaction.on_commit(lambda: _enqueue(to_mail), robust=True)
    return created


def _user_ids(recipients: Iterable) -> list[int]:
    ids = []
    for item in recipients:
        pk = getattr(item, "pk", item)
        if isinstance(pk, int) and pk not in ids:
            ids.append(pk)
    return ids


def _create(rows: list[Notification]) -> list[Notification]:
    """Insert the rows; one that lost a race on its dedupe key is left out."""
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            created.append(row)
        return created


def _enqueue(ids: list[int]) -> None:
    from .tasks import send_notification_emails

    send_notification_emails.enqueue(ids)


# Preferences


def email_enabled(user, kind: str) -> bool:
    """Whether this user gets this kind by e-mail (their choice, else the default)."""
    choice = (
        EmailPreference.objects.filter(user=user, kind=kind)
        .values_list("email", flat=True)
        .first()
    )
    return kinds.get(kind).email_default if choice is None else choice


def email_recipients(users: list, kind: str) -> list[int]:
    """Ids of the users who get this kind by e-mail: an address, and not turned off."""
    default = kinds.get(kind).email_default
    with_address = [u for u in users if u.email]
    choices = dict(
        EmailPreference.objects.filter(user__in=with_address, kind=kind).values_list(
            "user_id", "email"
        )
    )
    return [u.pk for u in with_address if choices.get(u.pk, default)]


def kinds_for(user) -> list[kinds.Kind]:
    """The kinds the user may receive and so may set a preference for."""
    staff = is_staff_user(user)
    return [k for k in kinds.all_kinds() if staff or not k.staff_only]


def is_staff_user(user) -> bool:
    """Staff for the purposes of notifications: may use the admin."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("wagtailadmin.access_admin"))
    )


def preferences(user) -> list[tuple[kinds.Kind, bool]]:
    """Each kind the user may receive with whether it is mailed to them."""
    choices = dict(
        EmailPreference.objects.filter(user=user).values_list("kind", "email")
    )
    return [(k, choices.get(k.key, k.email_default)) for k in kinds_for(user)]


def set_preferences(user, enabled: Iterable[str]) -> None:
    """Mail exactly the kinds in `enabled` (among those the user may receive)."""
    enabled = set(enabled)
    with transaction.atomic():
        for kind in kinds_for(user):
            EmailPreference.objects.update_or_create(
                user=user, kind=kind.key, defaults={"email": kind.key in enabled}
            )


# Reading


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.for_user(user).unread().count()


def mark_read(user, ids: Iterable[int]) -> int:
    """Mark these of the user's notifications read; others' ids change nothing."""
    return (
        Notification.objects.for_user(user)
        .unread()
        .filter(pk__in=list(ids))
        .update(read_at=timezone.now())
    )


def mark_all_read(user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


# Sending


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the n-th failed try (1-based)."""
    waits = settings.PORTAL_NOTIFICATION_EMAIL_RETRY_SECONDS
    return timedelta(seconds=waits[min(attempts, len(waits)) - 1])


def max_attempts() -> int:
    return len(settings.PORTAL_NOTIFICATION_EMAIL_RETRY_SECONDS) + 1


def _claim(pk: int, now: datetime) -> Notification | None:
    """Take one due send for this process; None if another has it or it is not due."""
    claimed = (
        Notification.objects.filter(pk=pk)
        .filter(
            Q(email_status=Notification.Email.PENDING)
            & (Q(email_next_at__isnull=True) | Q(email_next_at__lte=now))
            | Q(
                email_status=Notification.Email.SENDING,
                email_claimed_at__lt=now - STALE_CLAIM,
            )
        )
        .update(email_status=Notification.Email.SENDING, email_claimed_at=now)
    )
    if not claimed:
        return None
    return Notification.objects.select_related("recipient").get(pk=pk)


def send_emails(ids: Iterable[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send the due e-mails among these notifications; counts by outcome."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    for pk in ids:
        current = now or timezone.now()
        notification = _claim(pk, current)
        if notification is None:
            counts["skipped"] += 1
            continue
        counts[_send_one(notification, current)] += 1
    return counts


def _send_one(notification: Notification, now: datetime) -> str:
    user = notification.recipient
    if not user.email or not user.is_active:
        Notification.objects.filter(pk=notification.pk).update(
            email_status=Notification.Email.NONE, email_claimed_at=None
        )
        return "skipped"
    subject, text = render_email(notification)
    try:
        send_mail(subject, text, None, [user.email])
    except Exception as exc:
        return _failed(notification, now, exc)
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.Email.SENT,
        email_sent_at=timezone.now(),
        email_attempts=notification.email_attempts + 1,
        email_error="",
        email_claimed_at=None,
    )
    return "sent"


def _failed(notification: Notification, now: datetime, exc: Exception) -> str:
    attempts = notification.email_attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:255]
    if attempts >= max_attempts():
        Notification.objects.filter(pk=notification.pk).update(
            email_status=Notification.Email.FAILED,
            email_attempts=attempts,
            email_error=error,
            email_next_at=None,
            email_claimed_at=None,
        )
        logger.error(
            "notification %s: e-mail to user %s failed %s times, giving up: %s",
            notification.pk,
            notification.recipient_id,
            attempts,
            error,
        )
        return "failed"
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.Email.PENDING,
        email_attempts=attempts,
        email_error=error,
        email_next_at=now + retry_delay(attempts),
        email_claimed_at=None,
    )
    logger.warning(
        "notification %s: e-mail try %s failed, retrying later: %s",
        notification.pk,
        attempts,
        error,
    )
    return "retry"


def due_email_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Notifications whose e-mail should be tried now (retries, stale claims, and
    first sends whose task never ran)."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(
            Q(email_status=Notification.Email.PENDING)
            & (Q(email_next_at__isnull=True) | Q(email_next_at__lte=now))
            | Q(
                email_status=Notification.Email.SENDING,
                email_claimed_at__lt=now - STALE_CLAIM,
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def render_email(notification: Notification) -> tuple[str, str]:
    """Subject and plain text of a notification's e-mail."""
    from home.addresses import absolute_url

    name = _site_name()
    context = {
        "notification": notification,
        "site_name": name,
        "link": absolute_url(notification.url) if notification.url else "",
        "preferences_link": absolute_url(_preferences_path()),
    }
    subject = f"【{name}】{notification.title}"
    return subject, render_to_string("notifications/email.txt", context)


def _preferences_path() -> str:
    from django.urls import reverse

    return reverse("notifications:list") + "#preferences"


def _site_name() -> str:
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME
