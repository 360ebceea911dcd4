"""Audit reactions: logins, failed logins, lockouts, logouts and role changes."""

from contextvars import ContextVar

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import m2m_changed

from . import ratelimit
from .middleware import start_idle_timer
from .models import SecurityEvent
from .security import record_event

# The request being served, so model signals (role changes) know who acted and from where.
current_request: ContextVar = ContextVar("portal_current_request", default=None)


def _on_login(sender, request, user, **kwargs):
    record_event(request, SecurityEvent.Action.LOGIN, user=user)
    start_idle_timer(request)
    # A right password clears the account's and the address's counts, as axes
    # clears its failures (AXES_RESET_ON_SUCCESS).
    ratelimit.reset(*getattr(request, "portal_login_limits", ()))


def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(request, SecurityEvent.Action.LOGOUT, user=user)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    if getattr(request, "portal_login_refused", False):
        return  # refused before any password check: axes records the lockout
    username = str(credentials.get("username", ""))
    record_event(
        request, SecurityEvent.Action.LOGIN_FAILED, username=username, success=False
    )


def _on_locked_out(sender, request, username, ip_address, **kwargs):
    record_event(
        request,
        SecurityEvent.Action.LOCKOUT,
        username=username or "",
        success=False,
        detail="连续登录失败，锁定 15 分钟",
    )


def _on_groups_changed(sender, instance, action, pk_set, model, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    User = get_user_model()
    if not isinstance(instance, User):
        return
    verb = {"post_add": "加入", "post_remove": "移出", "post_clear": "清空"}[action]
    names = (
        "、".join(model.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        if pk_set
        else "全部角色"
    )
    request = current_request.get()
    actor = getattr(request, "user", None) if request is not None else None
    record_event(
        request,
        SecurityEvent.Action.GROUP_CHANGE,
        user=actor if actor is not None and actor.is_authenticated else None,
        username=actor.get_username() if actor and actor.is_authenticated else "系统",
        detail=f"{instance.get_username()} {verb} {names}"[:255],
    )


def register_signal_handlers() -> None:
    """Connect the audit receivers (called once from MembersConfig.ready)."""
    user_logged_in.connect(_on_login, dispatch_uid="members.audit.login")
    user_logged_out.connect(_on_logout, dispatch_uid="members.audit.logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="members.audit.failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="members.audit.lockout")
    m2m_changed.connect(
        _on_groups_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="members.audit.groups",
    )
