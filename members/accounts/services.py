"""Use cases of the account life cycle: one function each.

Issuing: a 组织管理员 (or a site admin) issues one-time codes for members within their
scope whose accounts rank below their own (``issue_refusal``); a new code revokes the
member's earlier ones. Redeeming: the member names their account (党员编号 or phone)
and the code; every way of failing gives the same answer and is written to the
security log with its real reason. Rate limits of these forms are all defined here
(``*_limits``), on top of members.ratelimit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

from home.addresses import absolute_url

from .. import ratelimit
from ..client_ip import client_ip
from ..fields import encrypt_text, lookup_digest
from ..models import (
    ActivationCode,
    AdminScope,
    Member,
    Organization,
    PasswordStatus,
    SecurityEvent,
)
from ..phones import mask_phone, normalise_phone
from ..ratelimit import Limit
from ..roles import MEMBER, SITE_ADMIN
from ..scopes import can_manage_member
from ..security import record_event
from . import codes, notices

# The one answer to every failed activation, whatever went wrong.
ACTIVATION_FAILED_MESSAGE = (
    "账号信息或激活码不正确，或激活码已失效。请核对后重试；"
    "如仍不能激活，请联系所在党组织的管理员重新获取激活码。"
)
RATE_LIMITED_MESSAGE = "尝试次数过多，请 {minutes} 分钟后再试。"

# Privilege ranks: an account may issue codes only for accounts ranked below it.
PLAIN, PRIVILEGED, SITE_ADMIN_RANK, SUPERUSER = 0, 1, 2, 3


class ActivationFailed(Exception):
    """The code could not be used (raced, used, expired); show ACTIVATION_FAILED_MESSAGE."""


# Who may issue codes for whom


def privilege_ranks(user_ids: Iterable[int]) -> dict[int, int]:
    """Rank of each account: superuser 3, 站点管理员 2, any other admin power 1, member 0.

    "Other admin power": staff status, a role group other than 党员, permissions of
    its own, or a 组织管理员 scope."""
    ids = set(user_ids)
    if not ids:
        return {}
    User = get_user_model()
    users = User.objects.filter(pk__in=ids)
    superusers = set(users.filter(is_superuser=True).values_list("pk", flat=True))
    memberships = User.groups.through.objects.filter(user_id__in=ids)
    site_admins = set(
        memberships.filter(group__name=SITE_ADMIN).values_list("user_id", flat=True)
    )
    privileged = (
        set(users.filter(is_staff=True).values_list("pk", flat=True))
        | set(memberships.exclude(group__name=MEMBER).values_list("user_id", flat=True))
        | set(
            User.user_permissions.through.objects.filter(user_id__in=ids).values_list(
                "user_id", flat=True
            )
        )
        | set(
            AdminScope.objects.filter(user_id__in=ids).values_list("user_id", flat=True)
        )
    )
    ranks = {}
    for pk in ids:
        if pk in superusers:
            ranks[pk] = SUPERUSER
        elif pk in site_admins:
            ranks[pk] = SITE_ADMIN_RANK
        elif pk in privileged:
            ranks[pk] = PRIVILEGED
        else:
            ranks[pk] = PLAIN
    return ranks


def issue_refusal(by, member: Member, *, ranks: dict[int, int] | None = None) -> str:
    """Why `by` may not issue a code for the member ('' when they may), in Chinese."""
    if not can_manage_member(by, member):
        return f"「{member.real_name}」不在您管理的党组织范围内"
    if member.user_id == by.pk:
        return "不能为自己签发激活码，修改自己的密码请用「修改密码」"
    if not member.user.is_active:
        return f"「{member.real_name}」的账号已停用"
    if ranks is None:
        ranks = privilege_ranks([member.user_id, by.pk])
    if ranks.get(member.user_id, PLAIN) >= ranks.get(by.pk, PLAIN):
        return f"「{member.real_name}」的账号具有管理权限，须由上一级管理员处理"
    return ""


def members_for_activation(
    organization: Organization, *, by, include_activated: bool = False
) -> tuple[list[Member], list[tuple[Member, str]]]:
    """Members of the organisation and below to issue codes for, and those skipped.

    Raises PermissionDenied when the organisation lies outside the user's scope.
    Accounts that already have a password are left out unless include_activated."""
    from ..scopes import can_manage_organization

    if not can_manage_organization(by, organization):
        raise PermissionDenied(f"「{organization.name}」不在您管理的党组织范围内")
    members = list(
        Member.objects.within(organization)
        .select_related("user", "organization")
        .order_by("organization__path", "real_name")
    )
    if not include_activated:
        members = [
            m for m in members if m.user.password.startswith(UNUSABLE_PASSWORD_PREFIX)
        ]
    ranks = privilege_ranks([m.user_id for m in members] + [by.pk])
    eligible, skipped = [], []
    for member in members:
        reason = issue_refusal(by, member, ranks=ranks)
        if reason:
            skipped.append((member, reason))
        else:
            eligible.append(member)
    return eligible, skipped


# Issuing


@dataclass
class IssuedCode:
    """One code as shown once: on the sheet, in the XLSX, or in an e-mail."""

    member: Member
    code: str
    expires_at: datetime
    emailed: bool = False

    @property
    def link(self) -> str:
        return activation_link(self.code)


@dataclass
class IssueResult:
    issued: list[IssuedCode] = field(default_factory=list)
    skipped: list[tuple[Member, str]] = field(default_factory=list)

    @property
    def printed(self) -> list[IssuedCode]:
        return [c for c in self.issued if not c.emailed]

    @property
    def emailed(self) -> list[IssuedCode]:
        return [c for c in self.issued if c.emailed]


def activation_link(code: str = "") -> str:
    """The activation page on the site's own address; the code rides in the fragment,
    which browsers never send to the server (nor put in a Referer)."""
    url = absolute_url(reverse("members:activate"))
    return f"{url}#code={code}" if code else url


def code_lifetime() -> timedelta:
    return timedelta(days=settings.PORTAL_ACTIVATION_CODE_DAYS)


def issue_activation_codes(
    members: Iterable[Member], *, by, request=None, send_email: bool = False
) -> IssueResult:
    """New codes for these members; earlier live codes of theirs are revoked.

    Every member must pass ``issue_refusal`` (else PermissionDenied, nothing issued).
    With send_email, members who have an e-mail address get their code by mail
    (sent after the transaction commits); the others' codes are for the sheet."""
    members = list(members)
    ranks = privilege_ranks([m.user_id for m in members] + [by.pk])
    for member in members:
        reason = issue_refusal(by, member, ranks=ranks)
        if reason:
            raise PermissionDenied(reason)
    now = timezone.now()
    expires_at = now + code_lifetime()
    result = IssueResult()
    ip = client_ip(request)
    with transaction.atomic():
        ActivationCode.objects.filter(
            member__in=members, status=ActivationCode.Status.ACTIVE
        ).update(status=ActivationCode.Status.REVOKED, closed_at=now)
        rows, events = [], []
        for member in members:
            code = codes.new_code()
            emailed = bool(send_email and member.user.email)
            rows.append(
                ActivationCode(
                    member=member,
                    digest=codes.digest(member.pk, code),
                    expires_at=expires_at,
                    issued_by=by,
                    by_email=emailed,
                )
            )
            result.issued.append(
                IssuedCode(member, codes.display(code), expires_at, emailed)
            )
            events.append(
                SecurityEvent(
                    action=SecurityEvent.Action.ACTIVATION_ISSUED,
                    user=by,
                    username=by.get_username(),
                    ip_address=ip,
                    detail=(
                        f"为「{member.real_name}」（{member.user.get_username()}）签发激活码，"
                        f"{'邮件发送' if emailed else '打印发放'}，"
                        f"有效期至 {timezone.localtime(expires_at):%Y-%m-%d %H:%M}"
                    )[:255],
                )
            )
        ActivationCode.objects.bulk_create(rows)
        SecurityEvent.objects.bulk_create(events)
        for issued in result.emailed:
            _mail_code_on_commit(issued)
    return result


def _mail_code_on_commit(issued: IssuedCode) -> None:
    from .tasks import send_account_mail

    context = {
        "member": issued.member,
        "code": issued.code,
        "expires_at": issued.expires_at,
        "link": issued.link,
        "site_url": absolute_url("/"),
        "site_name": site_name(),
    }
    subject = f"【{context['site_name']}】账号激活码"
    body = render_to_string("members/accounts/email/activation.txt", context)
    to = issued.member.user.email
    transaction.on_commit(
        lambda: send_account_mail.enqueue(to, subject, encrypt_text(body))
    )


def mask_email(email: str) -> str:
    """a****@example.com: enough for the security log to tell addresses apart."""
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}****@{domain}" if domain else "****"


def site_name() -> str:
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME


# Redeeming


def find_member(identity: str) -> Member | None:
    """The member a 党员编号 or a mobile number names, or None."""
    identity = (identity or "").strip()
    if not identity:
        return None
    members = Member.objects.select_related("user")
    member = members.filter(member_no=identity).first()
    if member is None:
        matches = list(members.filter(member_no__iexact=identity)[:2])
        member = matches[0] if len(matches) == 1 else None
    if member is None:
        try:
            phone = normalise_phone(identity)
        except ValueError:
            phone = ""
        if phone:
            member = members.filter(phone_digest=lookup_digest(phone)).first()
    return member


def _logged_identity(identity: str) -> str:
    try:
        phone = normalise_phone(identity)
    except ValueError:
        phone = ""
    return mask_phone(phone) if phone else identity.strip()[:150]


def find_activation(
    identity: str, typed_code: str, *, request
) -> ActivationCode | None:
    """The member's live code if identity and code match; None otherwise.

    Writes each failure to the security log with its reason (no such account, wrong,
    used, revoked or expired code, account disabled); the caller shows all of them
    as ACTIVATION_FAILED_MESSAGE."""
    member = find_member(identity)
    now = timezone.now()
    found = None
    if member is None:
        codes.digest(0, typed_code)  # the same work as for a real account
        reason = "账号不存在"
    else:
        reason = "激活码错误"
        for candidate in member.activation_codes.all()[:20]:
            if codes.matches(member.pk, typed_code, candidate.digest):
                found = candidate
                break
        if found is not None:
            if found.status != ActivationCode.Status.ACTIVE:
                reason = f"激活码{found.get_status_display()}"
                found = None
            elif found.expires_at <= now:
                _expire([found], request=request)
                reason = "激活码已过期"
                found = None
            elif not member.user.is_active:
                reason = "账号已停用"
                found = None
    if found is None:
        record_event(
            request,
            SecurityEvent.Action.ACTIVATION_FAILED,
            user=member.user if member else None,
            username=_logged_identity(identity),
            success=False,
            detail=reason,
        )
    return found


def activate_account(activation: ActivationCode, password: str, *, request):
    """Use the code: the member's password becomes `password` (already validated).

    Raises ActivationFailed when the code was used, revoked or expired meanwhile;
    then nothing changes."""
    now = timezone.now()
    with transaction.atomic():
        taken = ActivationCode.objects.filter(
            pk=activation.pk,
            status=ActivationCode.Status.ACTIVE,
            expires_at__gt=now,
        ).update(status=ActivationCode.Status.USED, closed_at=now)
        if not taken:
            raise ActivationFailed
        member = Member.objects.select_related("user").get(pk=activation.member_id)
        user = member.user
        user.set_password(password)
        user.save(update_fields=["password"])
        ActivationCode.objects.filter(
            member=member, status=ActivationCode.Status.ACTIVE
        ).update(status=ActivationCode.Status.REVOKED, closed_at=now)
        _mark_password_set(user, now)
        record_event(
            request,
            SecurityEvent.Action.ACTIVATED,
            user=user,
            detail="使用激活码设置密码",
        )
        notices.account_activated(user)
    return user


def _expire(expired: list[ActivationCode], *, request=None) -> int:
    now = timezone.now()
    ids = [c.pk for c in expired]
    with transaction.atomic():
        changed = ActivationCode.objects.filter(
            pk__in=ids, status=ActivationCode.Status.ACTIVE
        ).update(status=ActivationCode.Status.EXPIRED, closed_at=now)
        if changed:
            ip = client_ip(request)
            SecurityEvent.objects.bulk_create(
                SecurityEvent(
                    action=SecurityEvent.Action.ACTIVATION_EXPIRED,
                    user=code.member.user,
                    username=code.member.user.get_username(),
                    ip_address=ip,
                    success=False,
                    detail=(
                        f"「{code.member.real_name}」的激活码已过期未使用"
                        f"（签发于 {timezone.localtime(code.created_at):%Y-%m-%d}）"
                    )[:255],
                )
                for code in expired
            )
    return changed


def expire_activation_codes() -> int:
    """Mark codes past their expiry as expired and log each; the number expired."""
    expired = list(
        ActivationCode.objects.filter(
            status=ActivationCode.Status.ACTIVE, expires_at__lte=timezone.now()
        ).select_related("member__user")[:5000]
    )
    return _expire(expired) if expired else 0


def landing_url() -> str:
    """Where a member lands after activating: the first of
    PORTAL_ACCOUNT_HOME_URL_NAMES that exists (their personal centre once there is
    one, 我的学习 until then), else the home page."""
    for name in settings.PORTAL_ACCOUNT_HOME_URL_NAMES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        try:
            resolve(url)
        except Resolver404:
            continue
        return url
    return "/"


# Passwords set by someone else must be changed


def password_must_change(user) -> bool:
    return PasswordStatus.objects.filter(user=user, must_change=True).exists()


def require_password_change(user) -> None:
    """The account must choose a new password at its next request (members.accounts.middleware)."""
    PasswordStatus.objects.update_or_create(user=user, defaults={"must_change": True})


def _mark_password_set(user, when=None) -> None:
    PasswordStatus.objects.update_or_create(
        user=user,
        defaults={"must_change": False, "changed_at": when or timezone.now()},
    )


def password_set_by_owner(user, *, request, action: str, detail: str = "") -> None:
    """The owner chose their password (change or e-mail reset): clear the flag, log it."""
    with transaction.atomic():
        _mark_password_set(user)
        record_event(request, action, user=user, detail=detail)
        notices.password_set(user, reset=action == SecurityEvent.Action.PASSWORD_RESET)


def password_set_by_admin(user, *, by, request) -> None:
    """Someone else set the account's password: its owner must change it at login."""
    if user.pk == getattr(by, "pk", None):
        return
    require_password_change(user)
    record_event(
        request,
        SecurityEvent.Action.PASSWORD_CHANGE,
        user=by,
        detail=f"为 {user.get_username()} 设置密码（须在首次登录时修改）"[:255],
    )


def reset_candidates(email: str):
    """Active accounts with this address that may receive a reset link: those with a
    password, and imported members who have none yet (the link activates them)."""
    User = get_user_model()
    field_name = User.get_email_field_name()
    return User.objects.filter(
        Q(**{f"{field_name}__iexact": email}),
        is_active=True,
    ).filter(
        ~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX) | Q(member__isnull=False)
    )


# Rate limits: every limit of these forms is defined here.


def _minutes(window: int) -> int:
    return max(1, window // 60)


def rate_limited_message(limits: list[Limit]) -> str:
    return RATE_LIMITED_MESSAGE.format(minutes=_minutes(max(x.window for x in limits)))


def _identity_key(identity: str) -> str:
    try:
        phone = normalise_phone(identity)
    except ValueError:
        phone = ""
    return phone or (identity or "").strip().lower()


def activation_limits(request, identity: str) -> list[Limit]:
    """Tries per address and account, per address, and per account across addresses.

    A stranger who burns an account's tries from one address locks out only that
    address; the per-account limit bounds guessing spread over many addresses."""
    ip = client_ip(request) or "-"
    key = _identity_key(identity)
    pair, pair_window = settings.PORTAL_ACTIVATION_ATTEMPTS
    per_ip, ip_window = settings.PORTAL_ACTIVATION_ATTEMPTS_PER_IP
    per_account, account_window = settings.PORTAL_ACTIVATION_ATTEMPTS_PER_ACCOUNT
    return [
        Limit("activate-ip-account", f"{ip}|{key}", pair, pair_window),
        Limit("activate-ip", ip, per_ip, ip_window),
        Limit("activate-account", key, per_account, account_window),
    ]


def reset_request_limits(request, email: str) -> list[Limit]:
    """Reset e-mails asked for per address and per e-mail address (known or not)."""
    per_ip, ip_window = settings.PORTAL_PASSWORD_RESET_PER_IP
    per_email, email_window = settings.PORTAL_PASSWORD_RESET_PER_EMAIL
    return [
        Limit("reset-ip", client_ip(request) or "-", per_ip, ip_window),
        Limit("reset-email", (email or "").strip().lower(), per_email, email_window),
    ]


def password_change_limits(request, user) -> list[Limit]:
    """Wrong current passwords on the change form, per account."""
    count, window = settings.PORTAL_PASSWORD_CHANGE_ATTEMPTS
    return [Limit("password-change", str(user.pk), count, window)]


def acquire(limits: list[Limit]) -> bool:
    return ratelimit.acquire(*limits)


def succeeded(limits: list[Limit]) -> None:
    """A right answer: the first (narrowest) key starts again, the others get their slot back."""
    if limits:
        ratelimit.reset(limits[0])
        ratelimit.release(*limits[1:])


def release(limits: list[Limit]) -> None:
    ratelimit.release(*limits)
