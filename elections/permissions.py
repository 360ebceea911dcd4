"""Who runs votes: staff with the model permissions of Election (站点管理员 and 宣传员,
members.roles) within their organisation scope (members.scopes), as for surveys. Site
admins act on the whole tree; without a scope there is nothing to run. Only votes
still being prepared can be changed or deleted; nobody in the admin ever reads who
cast which ballot (the tables cannot be joined, see elections.models)."""

from members.audit import register_log_scope
from members.permissions import OrganizationScopedPolicy

from .models import Election, Status

_ANY = ["view", "change", "delete"]


class ElectionPermissionPolicy(OrganizationScopedPolicy):
    def allows(self, action, instance):
        return action != "delete" or instance.status == Status.DRAFT


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
