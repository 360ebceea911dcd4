"""Changing the account's e-mail address: confirmed through a signed link mailed to
the new address, which works once (it names the old address) and for
PORTAL_EMAIL_CHANGE_LINK_SECONDS (two days)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from home.addresses import absolute_url

from ..fields import encrypt_text
from ..models import SecurityEvent
from ..ratelimit import Limit
from ..security import record_event
from .services import mask_email, site_name

SALT = "members.email-change"


class EmailChangeFailed(Exception):
    """The link is wrong, expired, used, or for another account (message in Chinese)."""


def request_limits(user) -> list[Limit]:
    count, window = settings.PORTAL_EMAIL_CHANGE_REQUESTS
    return [Limit("email-change", str(user.pk), count, window)]


def max_age() -> int:
    return settings.PORTAL_EMAIL_CHANGE_LINK_SECONDS


def make_token(user, new_email: str) -> str:
    return signing.dumps(
        {"u": user.pk, "e": new_email, "o": user.email or ""}, salt=SALT
    )


def request_change(user, new_email: str, *, request) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is used."""
    from .tasks import send_account_mail

    token = make_token(user, new_email)
    link = absolute_url(reverse("members:email_confirm", args=[token]))
    name = site_name()
    body = render_to_string(
        "members/accounts/email/email_change.txt",
        {"user": user, "link": link, "site_name": name, "hours": max_age() // 3600},
    )
    with transaction.atomic():
        record_event(
            request,
            SecurityEvent.Action.EMAIL_CHANGE,
            user=user,
            success=False,
            detail=f"申请将邮箱改为 {mask_email(new_email)}，待确认",
        )
        transaction.on_commit(
            lambda: send_account_mail.enqueue(
                new_email, f"【{name}】确认您的新邮箱", encrypt_text(body)
            )
        )


def read_token(token: str, user) -> str:
    """The new address the link confirms for this account; EmailChangeFailed else."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired:
        raise EmailChangeFailed("确认链接已过期，请重新申请修改邮箱。") from None
    except signing.BadSignature:
        raise EmailChangeFailed(
            "确认链接无效，请检查是否完整复制了邮件中的链接。"
        ) from None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        raise EmailChangeFailed("该确认链接不属于当前登录的账号。")
    if (data.get("o") or "") != (user.email or ""):
        raise EmailChangeFailed("该确认链接已使用或已失效，请重新申请修改邮箱。")
    return str(data.get("e") or "")


def confirm_change(token: str, user, *, request) -> str:
    """Set the address the link names; returns it."""
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        new_email = read_token(token, locked)
        old = locked.email
        locked.email = new_email
        locked.save(update_fields=["email"])
        record_event(
            request,
            SecurityEvent.Action.EMAIL_CHANGE,
            user=locked,
            detail=f"邮箱由 {mask_email(old)} 改为 {mask_email(new_email)}"[:255],
        )
    user.email = new_email
    return new_email
