"""Organisation scope: which part of the organisation tree a user may manage.

A user's scope is every Organization they administer (an AdminScope row, shown in the
admin as 组织管理员) together with everything below it. Site admins (superusers and the
站点管理员 group) have the whole tree. Anyone else, including anonymous users, has an
empty scope.

Other apps use these helpers to limit what staff see and change, e.g.::

    from members.scopes import organizations_for, can_manage_organization

    stats = Enrolment.objects.filter(member__organization__in=organizations_for(user))
    if not can_manage_organization(request.user, article.branch):
        raise PermissionDenied

Results are cached on the user object for the rest of the request.
"""

from django.db.models import Q, QuerySet

from .models import AdminScope, Member, Organization
from .roles import SITE_ADMIN

_PATHS_CACHE = "_members_scope_paths"
_SITE_ADMIN_CACHE = "_members_is_site_admin"


def is_site_admin(user) -> bool:
    """Superusers and members of the 站点管理员 group: the whole tree, every action."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not hasattr(user, _SITE_ADMIN_CACHE):
        setattr(
            user,
            _SITE_ADMIN_CACHE,
            user.is_superuser or user.groups.filter(name=SITE_ADMIN).exists(),
        )
    return getattr(user, _SITE_ADMIN_CACHE)


def scope_root_paths(user) -> list[str]:
    """Tree paths of the organisations the user administers (not of those below)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if not hasattr(user, _PATHS_CACHE):
        paths = sorted(
            AdminScope.objects.filter(user=user).values_list(
                "organization__path", flat=True
            )
        )
        setattr(user, _PATHS_CACHE, paths)
    return getattr(user, _PATHS_CACHE)


def has_scope(user) -> bool:
    """Whether the user manages any part of the tree (site admins manage all of it)."""
    return is_site_admin(user) or bool(scope_root_paths(user))


def organizations_for(user) -> QuerySet[Organization]:
    """Organisations the user may manage: their scope roots and everything below."""
    if is_site_admin(user):
        return Organization.objects.all()
    paths = scope_root_paths(user)
    if not paths:
        return Organization.objects.none()
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return Organization.objects.filter(query)


def members_for(user) -> QuerySet[Member]:
    """Members whose organisation lies within the user's scope."""
    if is_site_admin(user):
        return Member.objects.all()
    return Member.objects.in_organizations(organizations_for(user))


def can_manage_organization(user, organization: Organization | None) -> bool:
    """Whether the organisation lies within the user's scope."""
    if organization is None:
        return False
    if is_site_admin(user):
        return True
    return any(organization.path.startswith(p) for p in scope_root_paths(user))


def can_restructure_organization(user, organization: Organization) -> bool:
    """Whether the user may move or delete it: strictly below one of their scope roots."""
    if is_site_admin(user):
        return True
    return any(
        organization.path.startswith(p) and organization.path != p
        for p in scope_root_paths(user)
    )


def can_manage_member(user, member: Member) -> bool:
    """Whether the member's organisation lies within the user's scope."""
    return can_manage_organization(user, member.organization)


def filing_organizations(user) -> QuerySet[Organization]:
    """Organisations the user may file content under (a news article's 所属党组织):
    their scope (the whole tree for site admins), else their own organisation and
    everything below it, else none."""
    if is_site_admin(user) or scope_root_paths(user):
        return organizations_for(user)
    if user is None or not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    own = Member.objects.filter(user=user).values("organization__path").first()
    if own is None:
        return Organization.objects.none()
    return Organization.objects.filter(path__startswith=own["organization__path"])
