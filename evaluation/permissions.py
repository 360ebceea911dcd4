"""Who runs 民主评议: staff with the model permissions of Round (站点管理员 and
宣传员, members.roles) within their organisation scope (members.scopes), as for
votes. Who may see which member rated whom: only staff whose scope reaches the
round's branch from an organisation at or above PORTAL_EVALUATION_RATERS_LEVEL (a
党委 by default) and site admins; everyone below sees tallies and unattributed
comments only."""

from django.conf import settings

from members.audit import register_log_scope
from members.models import Organization
from members.permissions import OrganizationScopedPolicy
from members.scopes import is_site_admin, scope_root_paths

from .models import Round, Status

_ANY = ["view", "change", "delete"]
# Higher organisations first: a level admits its own kind and every kind before it.
LEVELS = [
    Organization.Kind.COMMITTEE,
    Organization.Kind.GENERAL_BRANCH,
    Organization.Kind.BRANCH,
    Organization.Kind.GROUP,
]


class RoundPermissionPolicy(OrganizationScopedPolicy):
    def allows(self, action, instance):
        return action != "delete" or instance.status == Status.DRAFT


round_policy = RoundPermissionPolicy(Round)


def may_run_rounds(user) -> bool:
    return round_policy.user_has_any_permission(user, [*_ANY, "add"])


def runs(user, round: Round) -> bool:
    return round_policy.user_has_any_permission_for_instance(user, _ANY, round)


def visible_rounds(user):
    return round_policy.instances_user_has_any_permission_for(user, _ANY)


def _admitted_kinds() -> set[str]:
    level = settings.PORTAL_EVALUATION_RATERS_LEVEL
    return set(LEVELS[: LEVELS.index(level) + 1])


def sees_raters(user, round: Round) -> bool:
    """Whether the user may see who rated whom in this round."""
    if not runs(user, round):
        return False
    if is_site_admin(user):
        return True
    branch_path = round.organization.path
    roots = [p for p in scope_root_paths(user) if branch_path.startswith(p)]
    admitted = _admitted_kinds()
    return Organization.objects.filter(path__in=roots, kind__in=admitted).exists()


def register_round_log_scope() -> None:
    register_log_scope(Round, visible_objects=visible_rounds, audience=may_run_rounds)
