"""Tell reviewers in the site that a page waits for them (Wagtail workflow tasks).

Wagtail mails reviewers itself (each sets that in their admin account), so the
kind's own e-mail is off by default; the in-site notification goes to exactly the
accounts the task lets open the page in review (Task.user_can_access_editor: the
task's groups, and superusers as Wagtail's own notices include them), never to the
one who submitted it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from wagtail.models import Page
from wagtail.signals import task_submitted

from notifications import kinds
from notifications.service import notify


def register() -> None:
    kinds.register("page_review", "页面待审核", email_default=False, staff_only=True)
    task_submitted.connect(notify_reviewers, dispatch_uid="home-page-review-notice")


def reviewers(task, obj, *, exclude=None) -> list:
    """Active accounts the task lets open `obj` while it waits on the task."""
    User = get_user_model()
    who = Q(is_superuser=True) if _include_superusers() else Q(pk__in=[])
    groups = getattr(task, "groups", None)
    if groups is not None:
        who |= Q(groups__in=groups.all())
    candidates = User.objects.filter(who, is_active=True).distinct()
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return [u for u in candidates if task.user_can_access_editor(obj, u)]


def _include_superusers() -> bool:
    return getattr(settings, "WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS", True)


def notify_reviewers(sender, instance, user=None, **kwargs) -> None:
    """task_submitted: a page entered a task; its reviewers hear of it once."""
    task = instance.task.specific
    obj = instance.workflow_state.content_object
    if not isinstance(obj, Page):
        return
    by = ""
    if user is not None:
        member = getattr(user, "member", None)
        by = (member.real_name if member else "") or user.get_username()
    notify(
        reviewers(task, obj, exclude=user),
        "page_review",
        title=f"页面待审核：{obj.title}"[:120],
        body=f"{by + ' ' if by else ''}提交了“{task.name}”，请审核。",
        url=reverse("wagtailadmin_pages:edit", args=[obj.pk]),
        dedupe_key=f"taskstate:{instance.pk}",
    )
