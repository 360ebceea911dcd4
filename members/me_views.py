"""/me/: the signed-in account's own page (members.personal holds its sections)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .personal import sections_for


def is_staff_user(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.has_perm("wagtailadmin.access_admin")
    )


@never_cache
@login_required
def personal_centre(request):
    """Profile, password, study, letters, posts and notifications in one place."""
    return render(
        request,
        "members/me.html",
        {
            "sections": sections_for(request),
            "member": getattr(request.user, "member", None),
            "show_admin_link": is_staff_user(request.user),
        },
    )


def profile_context(request) -> dict:
    member = getattr(request.user, "member", None)
    from django.urls import reverse

    return {
        "member": member,
        "account": request.user,
        "email_url": reverse("members:email_change"),
    }


def password_context(request) -> dict:
    return {}


def notifications_context(request) -> dict:
    from notifications.models import Notification
    from notifications.service import unread_count

    return {
        "latest": list(Notification.objects.for_user(request.user)[:5]),
        "unread": unread_count(request.user),
    }


def preferences_context(request) -> dict:
    from notifications.service import preferences

    return {
        "preferences": preferences(request.user),
        "has_email": bool(request.user.email),
    }


def register_sections() -> None:
    """members' own sections of /me/ (AppConfig.ready)."""
    from .personal import register_section

    register_section(
        "profile",
        "个人信息",
        template="members/me/profile.html",
        context=profile_context,
        order=10,
    )
    register_section(
        "notifications",
        "我的通知",
        template="members/me/notifications.html",
        context=notifications_context,
        order=20,
    )
    register_section(
        "password",
        "账号安全",
        template="members/me/password.html",
        context=password_context,
        order=15,
    )
    register_section(
        "preferences",
        "通知设置",
        template="members/me/preferences.html",
        context=preferences_context,
        order=90,
    )
