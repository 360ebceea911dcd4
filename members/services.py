"""Use cases of the organisation tree and member profiles: one function each."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.log_actions import log

from .fields import lookup_digest
from .models import Member, Organization
from .roles import MEMBER
from .scopes import (
    can_manage_organization,
    can_restructure_organization,
    is_site_admin,
)


class MemberDataError(ValueError):
    """The data cannot be saved as asked; the message is Chinese and shown to users."""


def _require_scope(by, organization: Organization) -> None:
    if by is not None and not can_manage_organization(by, organization):
        raise PermissionDenied(f"无权管理「{organization.name}」")


def username_for(member_no: str, phone: str) -> str:
    """New members sign in with their 党员编号, or their phone number if they have none."""
    return member_no or phone


def identity_conflicts(
    *, member_no: str, phone: str, instance: Member | None = None
) -> list[str]:
    """Chinese messages for a 党员编号 or phone already used by another member."""
    problems = []
    others = Member.objects.exclude(pk=instance.pk) if instance else Member.objects
    if member_no and others.filter(member_no=member_no).exists():
        problems.append(f"党员编号「{member_no}」已被其他党员使用")
    if phone and others.filter(phone_digest=lookup_digest(phone)).exists():
        problems.append("该手机号已被其他党员使用")
    if instance is None:
        username = username_for(member_no, phone)
        if not username:
            problems.append("党员编号和手机号至少填写一项（用作登录账号）")
        elif get_user_model().objects.filter(username=username).exists():
            problems.append(f"登录账号「{username}」已被占用")
    return problems


@transaction.atomic
def create_member(
    *,
    real_name: str,
    organization: Organization,
    member_no: str = "",
    phone: str = "",
    party_post: str = "",
    joined_party_on: date | None = None,
    email: str = "",
    by=None,
) -> Member:
    """Create the profile and its login account (group 党员, no usable password yet:
    the member sets one with an activation code, see members.accounts)."""
    _require_scope(by, organization)
    problems = identity_conflicts(member_no=member_no, phone=phone)
    if problems:
        raise MemberDataError(";".join(problems))
    user = get_user_model()(username=username_for(member_no, phone), email=email)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=MEMBER)[0])
    member = Member.objects.create(
        user=user,
        real_name=real_name,
        organization=organization,
        member_no=member_no or None,
        phone=phone,
        party_post=party_post,
        joined_party_on=joined_party_on,
    )
    log(member, "wagtail.create", user=by)
    return member


@transaction.atomic
def update_member(member: Member, *, by=None, **changes) -> Member:
    """Change profile fields; moving a member needs scope over both organisations."""
    _require_scope(by, member.organization)
    if "organization" in changes:
        _require_scope(by, changes["organization"])
    problems = identity_conflicts(
        member_no=changes.get("member_no", member.member_no) or "",
        phone=changes.get("phone", member.phone) or "",
        instance=member,
    )
    if problems:
        raise MemberDataError(";".join(problems))
    email = changes.pop("email", None)
    if email is not None and email != member.user.email:
        member.user.email = email
        member.user.save(update_fields=["email"])
    for field, value in changes.items():
        if field == "member_no":
            value = value or None
        setattr(member, field, value)
    member.save()
    log(member, "wagtail.edit", user=by)
    return member


@transaction.atomic
def delete_member(member: Member, *, by=None) -> None:
    """Delete the profile and its login account, unless that account is staff."""
    _require_scope(by, member.organization)
    user = member.user
    log(member, "wagtail.delete", user=by)
    member.delete()
    if not (user.is_staff or user.is_superuser):
        user.delete()


@transaction.atomic
def create_organization(
    *, name: str, kind: str, code: str, parent: Organization | None = None, by=None
) -> Organization:
    """Add a node under parent (a root when parent is None: site admins only)."""
    if parent is None:
        if by is not None and not is_site_admin(by):
            raise PermissionDenied("只有站点管理员可以新建顶级党组织")
        organization = Organization.add_root(name=name, kind=kind, code=code)
    else:
        _require_scope(by, parent)
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        if not parent.can_contain(kind):
            raise MemberDataError(
                f"「{parent.get_kind_display()}」下不能设立「{Organization.Kind(kind).label}」"
            )
        organization = parent.add_child(name=name, kind=kind, code=code)
    log(organization, "wagtail.create", user=by)
    return organization


@transaction.atomic
def move_organization(
    organization: Organization, *, parent: Organization, by=None
) -> Organization:
    """Move the node and everything below it under a new parent."""
    if by is not None and not can_restructure_organization(by, organization):
        raise PermissionDenied(f"无权移动「{organization.name}」")
    _require_scope(by, parent)
    organization = Organization.objects.get(pk=organization.pk)
    parent = Organization.objects.get(pk=parent.pk)
    if parent.path.startswith(organization.path):
        raise MemberDataError("不能移动到自身或自己的下级组织之下")
    if not parent.can_contain(organization.kind):
        raise MemberDataError(
            f"「{parent.get_kind_display()}」下不能设立「{organization.get_kind_display()}」"
        )
    organization.move(parent, pos="last-child")
    organization = Organization.objects.get(pk=organization.pk)
    log(organization, "wagtail.edit", user=by, data={"moved_to": parent.name})
    return organization


def organization_emptiness_problem(organization: Organization) -> str:
    """Why the node cannot be deleted ('' when it can): it still has children or members."""
    if organization.get_children_count():
        return f"「{organization.name}」还有下级组织，请先移走或删除下级组织"
    count = organization.members.count()
    if count:
        return f"「{organization.name}」还有 {count} 名党员，请先将党员转到其他组织"
    return ""


@transaction.atomic
def delete_organization(organization: Organization, *, by=None) -> None:
    """Delete an empty node (no children, no members)."""
    if by is not None and not can_restructure_organization(by, organization):
        raise PermissionDenied(f"无权删除「{organization.name}」")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    problem = organization_emptiness_problem(organization)
    if problem:
        raise MemberDataError(problem)
    log(organization, "wagtail.delete", user=by)
    organization.delete()


@transaction.atomic
def update_organization(
    organization: Organization, *, by=None, **changes
) -> Organization:
    """Rename or re-code a node; a new type must still fit its parent and children."""
    _require_scope(by, organization)
    # A stale instance would write back an old numchild; work on a fresh row.
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    kind = changes.get("kind", organization.kind)
    parent = organization.get_parent()
    if parent is not None and not parent.can_contain(kind):
        raise MemberDataError(
            f"「{parent.get_kind_display()}」下不能设立「{Organization.Kind(kind).label}」"
        )
    probe = Organization(kind=kind)
    for child in organization.get_children():
        if not probe.can_contain(child.kind):
            raise MemberDataError(
                f"改为「{probe.get_kind_display()}」后，下级「{child.name}」"
                f"（{child.get_kind_display()}）将不再合规"
            )
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.save()
    log(organization, "wagtail.edit", user=by)
    return organization


@transaction.atomic
def grant_admin_scope(user, organization: Organization, *, by=None, request=None):
    """Make user a 组织管理员 of organization (site admins only); audited as a role change."""
    from .models import AdminScope
    from .security import record_event

    if by is not None and not is_site_admin(by):
        raise PermissionDenied("只有站点管理员可以设置组织管理员")
    scope, created = AdminScope.objects.get_or_create(
        user=user, organization=organization
    )
    if created:
        log(scope, "wagtail.create", user=by)
        record_event(
            request,
            "group_change",
            user=by,
            username="" if by is not None else "系统",
            detail=f"{user.get_username()} 成为「{organization.name}」组织管理员"[:255],
        )
    return scope


@transaction.atomic
def revoke_admin_scope(scope, *, by=None, request=None) -> None:
    """Remove a 组织管理员 assignment (site admins only); audited as a role change."""
    from .security import record_event

    if by is not None and not is_site_admin(by):
        raise PermissionDenied("只有站点管理员可以设置组织管理员")
    log(scope, "wagtail.delete", user=by)
    record_event(
        request,
        "group_change",
        user=by,
        username="" if by is not None else "系统",
        detail=f"{scope.user.get_username()} 不再是「{scope.organization.name}」组织管理员"[
            :255
        ],
    )
    scope.delete()
