"""Who may assign required courses, and which assignments they see.

A 党校管理员 (anyone with the model permissions of CourseAssignment) acts within their
organisation scope (members.scopes): they see, change and delete assignments whose
every organisation lies in their scope, and assign only to organisations in it. Site
admins with the permissions act on the whole tree. Without a scope there is nothing
to act on.
"""

from collections.abc import Iterable

from members.audit import register_log_scope
from members.models import Organization
from members.permissions import OrganizationScopedPolicy
from members.scopes import can_manage_organization

from .models import CourseAssignment


def may_assign_to(user, organizations: Iterable[Organization]) -> bool:
    """Whether every organisation lies within the user's scope."""
    return all(can_manage_organization(user, org) for org in organizations)


class CourseAssignmentPermissionPolicy(OrganizationScopedPolicy):
    """Model permissions, limited to the organisations within the user's scope: an
    assignment is in it when every organisation it is made to is."""

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and may_assign_to(
            user, instance.organizations.all()
        )


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
