"""Wagtail permission policies that add organisation scope to model permissions.

Site admins act on the whole tree by their model permissions. A 组织管理员 (a user with
an AdminScope) may view, add, change and delete members and organisations within their
scope, whatever their role; nobody else may.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.permission_policies.base import ModelPermissionPolicy

from .audit import register_log_scope
from .models import AdminScope, Member, Organization
from .scopes import (
    can_manage_organization,
    can_restructure_organization,
    has_scope,
    is_site_admin,
    members_for,
    organizations_for,
    scope_root_paths,
)

SCOPED_ACTIONS = {"add", "change", "delete", "view"}


class OrganizationScopedPolicy(ModelPermissionPolicy):
    """The model permissions of the user's role, held with a 组织管理员 scope, on the
    objects of organisations within that scope (votes, 民主评议, surveys, 网上考核,
    公示反馈, 必修课指派); site admins act on the whole tree, staff without a scope
    on nothing.

    Subclasses say whose an object is (``organization_of``) and what else an action
    on it needs (``allows``: deleting only a draft, say). The model's manager lists
    the objects of a set of organisations with ``within``."""

    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        return super().user_has_permission(user, action) and has_scope(user)

    def organization_of(self, instance):
        return instance.organization

    def allows(self, action: str, instance) -> bool:
        return True

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            self.user_has_permission(user, action)
            and can_manage_organization(user, self.organization_of(instance))
            and self.allows(action, instance)
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.model._default_manager.within(organizations_for(user))


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions for site admins; scope-limited actions for 组织管理员."""

    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        if is_site_admin(user):
            return super().user_has_permission(user, action)
        return action in SCOPED_ACTIONS and bool(scope_root_paths(user))

    def users_with_any_permission(self, actions):
        scoped = Q(admin_scopes__isnull=False) if SCOPED_ACTIONS & set(actions) else Q()
        site_admins = super().users_with_any_permission(actions)
        return (
            get_user_model()
            .objects.filter(Q(pk__in=site_admins.values("pk")) | scoped)
            .filter(is_active=True)
            .distinct()
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self.instance_in_scope(
            user, action, instance
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.scoped_queryset(user)

    def instance_in_scope(self, user, action, instance) -> bool:
        """Override: whether this object lies within the user's scope for the action."""
        raise NotImplementedError

    def scoped_queryset(self, user):
        """Override: every object within the user's scope."""
        raise NotImplementedError


class MemberPermissionPolicy(ScopedPermissionPolicy):
    def instance_in_scope(self, user, action, instance):
        return can_manage_organization(user, instance.organization)

    def scoped_queryset(self, user):
        return members_for(user)


class OrganizationPermissionPolicy(ScopedPermissionPolicy):
    def instance_in_scope(self, user, action, instance):
        if action in {"delete", "move"}:
            return can_restructure_organization(user, instance)
        return can_manage_organization(user, instance)

    def user_has_permission(self, user, action):
        if action == "move":
            return super().user_has_permission(user, "change")
        return super().user_has_permission(user, action)

    def scoped_queryset(self, user):
        return organizations_for(user)


member_policy = MemberPermissionPolicy(Member)
organization_policy = OrganizationPermissionPolicy(Organization)
admin_scope_policy = ModelPermissionPolicy(AdminScope)

_VIEW_ACTIONS = ["view", "change", "delete"]


def register_log_scopes() -> None:
    """Audit entries of members, organisations and 组织管理员 follow these policies."""
    for model, policy in [
        (Member, member_policy),
        (Organization, organization_policy),
        (AdminScope, admin_scope_policy),
    ]:
        register_log_scope(
            model,
            visible_objects=lambda user, policy=policy: (
                policy.instances_user_has_any_permission_for(user, _VIEW_ACTIONS)
            ),
            audience=lambda user, policy=policy: policy.user_has_any_permission(
                user, _VIEW_ACTIONS
            ),
        )
