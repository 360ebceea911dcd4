"""Wagtail's audit log, limited to the objects each user may see.

Wagtail shows every log entry of a model to anyone holding any permission on that
model, so a 信箱办理人 of one mailbox would read the letter events of all of them.
Apps therefore register each model whose objects are scoped (by organisation, by
mailbox …) with the objects a user may see::

    register_log_scope(
        Letter,
        visible_objects=lambda user: Letter.objects.visible_to(user),
        audience=can_use_mailbox_admin,
    )

ScopedModelLogEntry (members.models) replaces Wagtail's ModelLogEntry as the log of
every non-page model; its manager shows a registered model's entries only for objects
in ``visible_objects(user)``. Wagtail's site history, its CSV/XLSX export, its user,
type and action filters and each object's history all read through that manager.
Entries of an object that no longer exists are seen by 站点管理员 only. Models not
registered keep Wagtail's rule (any permission on the model); pages keep Wagtail's page
permissions.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Cast
from wagtail.models.audit_log import ModelLogEntryManager


@dataclass(frozen=True)
class LogScope:
    """Which objects of a model a user may see, and who has any reason to look."""

    visible_objects: Callable[..., models.QuerySet]
    audience: Callable[..., bool]


_scopes: dict[type[models.Model], LogScope] = {}


def register_log_scope(
    model: type[models.Model],
    *,
    visible_objects: Callable[..., models.QuerySet],
    audience: Callable[..., bool],
) -> None:
    """Limit the model's log entries to visible_objects(user) (call from wagtail_hooks)."""
    _scopes[model] = LogScope(visible_objects=visible_objects, audience=audience)


class ScopedLogEntryManager(ModelLogEntryManager):
    """Entries of registered models only for objects the user may see."""

    def viewable_by_user(self, user):
        from .scopes import is_site_admin

        if is_site_admin(user):
            return self.all()
        scoped_type_ids = []
        by_scope = models.Q(pk__in=[])
        for model, scope in _scopes.items():
            type_id = ContentType.objects.get_for_model(
                model, for_concrete_model=False
            ).pk
            scoped_type_ids.append(type_id)
            object_ids = (
                scope.visible_objects(user)
                .order_by()
                .annotate(_log_object_id=Cast("pk", models.CharField()))
                .values("_log_object_id")
            )
            by_scope |= models.Q(content_type_id=type_id, object_id__in=object_ids)
        by_permission = (
            super().viewable_by_user(user).exclude(content_type_id__in=scoped_type_ids)
        )
        return by_permission | self.filter(by_scope)


def may_view_site_history(user) -> bool:
    """Site admins, page editors, and anyone with a scope or a model permission."""
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    from .scopes import is_site_admin

    if not (user.is_authenticated and user.is_active):
        return False
    if is_site_admin(user):
        return True
    if any(scope.audience(user) for scope in _scopes.values()):
        return True
    if policy_registry.get_by_type(Page).explorable_root_instance(user) is not None:
        return True
    return bool(user.get_all_permissions() - {"wagtailadmin.access_admin"})
