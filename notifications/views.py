"""The user's notifications: list, mark read, e-mail preferences (under /me/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from home.params import choice_param, int_param

from . import service
from .models import Notification

PER_PAGE = 20


@login_required
def notification_list(request):
    """All of the user's notifications, newest first, and their e-mail choices."""
    show = choice_param(request.GET, "show", ["all", "unread"], default="all")
    rows = Notification.objects.for_user(request.user)
    if show == "unread":
        rows = rows.unread()
    paginator = Paginator(rows, PER_PAGE)
    number = int_param(request.GET, "page", default=1, minimum=1, maximum=100000)
    page = paginator.get_page(number)
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "show": show,
            "unread": service.unread_count(request.user),
            "preferences": service.preferences(request.user),
            "has_email": bool(request.user.email),
        },
    )


def _back(request):
    """Back to the page the form was on (a path on this site), else the list."""
    target = request.POST.get("next", "")
    if (
        isinstance(target, str)
        and target.startswith("/")
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    ):
        return HttpResponseRedirect(target)
    return redirect("notifications:list")


@require_POST
@login_required
def open_notification(request, pk: int):
    """Mark one of the user's notifications read and go where it points."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    service.mark_read(request.user, [notification.pk])
    if notification.url.startswith("/") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts=None
    ):
        return HttpResponseRedirect(notification.url)
    return _back(request)


@require_POST
@login_required
def mark_read(request, pk: int):
    """Mark one of the user's notifications read and stay on the list."""
    get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    service.mark_read(request.user, [pk])
    return _back(request)


@require_POST
@login_required
def mark_all_read(request):
    count = service.mark_all_read(request.user)
    if count:
        messages.success(request, f"已将 {count} 条通知标为已读。")
    return _back(request)


@require_POST
@login_required
def preferences(request):
    """Save which kinds the user gets by e-mail (the ticked boxes)."""
    allowed = {kind.key for kind in service.kinds_for(request.user)}
    chosen = [key for key in request.POST.getlist("email") if key in allowed]
    service.set_preferences(request.user, chosen)
    messages.success(request, "通知设置已保存。")
    return _back(request)
