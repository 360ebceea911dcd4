"""Who may assign required courses, and which assignments they see.

A 党校管理员 (anyone with the model permissions of CourseAssignment) acts within their
organisation scope (members.scopes): they see, change and delete assignments whose
every organisation lies in their scope, and assign only to organisations in it. Site
admins with the permissions act on the whole tree. Without a scope there is nothing
to act on.
"""

from collections.abc import Iterable

from wagtail.permission_policies.base import ModelPermissionPolicy

from members.audit import register_log_scope
from members.models import Organization
from members.scopes import can_manage_organization, has_scope, organizations_for

from .models import CourseAssignment


def may_assign_to(user, organizations: Iterable[Organization]) -> bool:
    """Whether every organisation lies within the user's scope."""
    return all(can_manage_organization(user, org) for org in organizations)


class CourseAssignmentPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, limited to the organisations within the user's scope."""

    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        return super().user_has_permission(user, action) and has_scope(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and may_assign_to(
            user, instance.organizations.all()
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, action, instance)
            for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return CourseAssignment.objects.none()
        return CourseAssignment.objects.within(organizations_for(user))


assignment_policy = CourseAssignmentPermissionPolicy(CourseAssignment)

_VIEW_ACTIONS = ["view", "change", "delete"]


def register_assignment_log_scope() -> None:
    """History of assignments follows the same scope as the assignments."""
    register_log_scope(
        CourseAssignment,
        visible_objects=lambda user: (
            assignment_policy.instances_user_has_any_permission_for(user, _VIEW_ACTIONS)
        ),
        audience=lambda user: assignment_policy.user_has_any_permission(
            user, _VIEW_ACTIONS
        ),
    )
