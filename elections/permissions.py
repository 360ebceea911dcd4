"""Who runs votes: staff with the model permissions of Election (站点管理员 and 宣传员,
members.roles) within their organisation scope (members.scopes), as for surveys. Site
admins act on the whole tree; without a scope there is nothing to run. Only votes
still being prepared can be changed or deleted; nobody in the admin ever reads who
cast which ballot (the tables cannot be joined, see elections.models)."""

from wagtail.permission_policies.base import ModelPermissionPolicy

from members.audit import register_log_scope
from members.scopes import can_manage_organization, has_scope, organizations_for

from .models import Election, Status

_ANY = ["view", "change", "delete"]


class ElectionPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        return super().user_has_permission(user, action) and has_scope(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if not can_manage_organization(user, instance.organization):
            return False
        if action == "delete":
            return instance.status == Status.DRAFT
        return True

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, action, instance)
            for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return Election.objects.none()
        return Election.objects.within(organizations_for(user))


election_policy = ElectionPermissionPolicy(Election)


def may_run_elections(user) -> bool:
    return election_policy.user_has_any_permission(user, [*_ANY, "add"])


def runs(user, election: Election) -> bool:
    return election_policy.user_has_any_permission_for_instance(user, _ANY, election)


def visible_elections(user):
    return election_policy.instances_user_has_any_permission_for(user, _ANY)


def register_election_log_scope() -> None:
    register_log_scope(
        Election, visible_objects=visible_elections, audience=may_run_elections
    )
