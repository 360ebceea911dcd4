"""Account events told to the account's owner through notifications.notify()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from notifications import kinds
from notifications.service import notify

KINDS = {
    "account_activated": "账号已激活",
    "password_changed": "密码已修改",
    "password_reset": "密码已重置",
}
CHECK = "如非本人操作，请立即联系所在党组织的管理员。"


def register_kinds() -> None:
    for key, label in KINDS.items():
        kinds.register(key, label)


def _when() -> str:
    return f"{timezone.localtime():%Y-%m-%d %H:%M}"


def account_activated(user) -> None:
    notify(
        [user],
        "account_activated",
        title="您的账号已激活",
        body=f"您于 {_when()} 使用激活码设置了密码，欢迎使用。{CHECK}",
        url=reverse("me"),
        dedupe_key="account:activated",
    )


def password_set(user, *, reset: bool) -> None:
    """The owner changed their password, or set one through a reset link."""
    notify(
        [user],
        "password_reset" if reset else "password_changed",
        title="您的密码已重置" if reset else "您的密码已修改",
        body=f"您的账号密码于 {_when()} {'通过邮件链接重置' if reset else '已修改'}。{CHECK}",
        url=reverse("members:password_change"),
    )
