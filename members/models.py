"""Organisation tree, member profiles, security events and the scoped audit log."""

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.utils import timezone
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet
from wagtail.models import ModelLogEntry

from .audit import ScopedLogEntryManager
from .fields import EncryptedTextField, lookup_digest, user_reference
from .phones import mask_phone


class OrganizationQuerySet(MP_NodeQuerySet):
    def within(self, organization: "Organization"):
        """The organisation and everything below it."""
        return self.filter(path__startswith=organization.path)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        # MP_NodeManager hard-codes MP_NodeQuerySet; keep ours (and its tree order).
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    """A party organisation: 党委 > 党总支 > 党支部 > 党小组, any depth."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        GROUP = "group", "党小组"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    code = models.CharField(
        "组织编码", max_length=40, unique=True, help_text="导入党员时用它指明所在组织"
    )

    objects = OrganizationManager()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"

    def __str__(self):
        return self.name

    @property
    def indented_name(self) -> str:
        return "　" * (self.depth - 1) + self.name

    def can_contain(self, kind: str) -> bool:
        """党委 may hold 党委/党总支/党支部; 党总支 holds 党支部; 党支部 holds 党小组."""
        return kind in ALLOWED_CHILD_KINDS[self.kind]


ALLOWED_CHILD_KINDS = {
    Organization.Kind.COMMITTEE: {
        Organization.Kind.COMMITTEE,
        Organization.Kind.GENERAL_BRANCH,
        Organization.Kind.BRANCH,
    },
    Organization.Kind.GENERAL_BRANCH: {Organization.Kind.BRANCH},
    Organization.Kind.BRANCH: {Organization.Kind.GROUP},
    Organization.Kind.GROUP: set(),
}


class MemberQuerySet(models.QuerySet):
    def within(self, organization: Organization):
        """Members of the organisation and of every organisation below it."""
        return self.filter(organization__path__startswith=organization.path)

    def in_organizations(self, organizations):
        """Members whose organisation is in the given Organization queryset."""
        return self.filter(organization__in=organizations)

    def for_listing(self):
        """Joins what member listings and exports show."""
        return self.select_related("organization", "user")


class Member(models.Model):
    """A party member's profile, one per Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="member",
        verbose_name="账号",
    )
    member_no = models.CharField(
        "党员编号", max_length=40, unique=True, null=True, blank=True
    )
    real_name = models.CharField("姓名", max_length=50)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="所在党组织",
    )
    party_post = models.CharField("党内职务", max_length=50, blank=True)
    joined_party_on = models.DateField("入党日期", null=True, blank=True)
    phone = EncryptedTextField("手机号", blank=True)
    phone_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["organization__path", "real_name"]

    def __str__(self):
        return self.real_name

    def save(self, *args, **kwargs):
        self.phone_digest = lookup_digest(self.phone) if self.phone else None
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_branch_secretary(self) -> bool:
        return "书记" in self.party_post


class AdminScope(models.Model):
    """组织管理员: the user manages this organisation and everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="admin_scopes",
        verbose_name="账号",
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="admin_scopes",
        verbose_name="管理的党组织",
    )
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织管理员"
        verbose_name_plural = "组织管理员"
        ordering = ["organization__path", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="unique_admin_scope"
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organization}"

    @admin.display(description="账号", ordering="user__username")
    def user_display(self) -> str:
        member = getattr(self.user, "member", None)
        name = self.user.get_username()
        return f"{name}（{member.real_name}）" if member else name


class SecurityEvent(models.Model):
    """Sensitive actions (logins, lockouts, role changes, member data changes, imports,
    exports …): who, from where, when. Written by members.security.record_event."""

    class Action(models.TextChoices):
        LOGIN = "login", "登录成功"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKOUT = "lockout", "账号锁定"
        LOGOUT = "logout", "退出登录"
        IDLE_TIMEOUT = "idle_timeout", "超时退出"
        GROUP_CHANGE = "group_change", "角色变更"
        EXPORT = "export", "数据导出"
        IMPORT = "import", "数据导入"
        MEMBER_CHANGE = "member_change", "党员信息变更"
        ELECTION = "election", "投票计票操作"
        ACTIVATION_ISSUED = "activation_issue", "签发激活码"
        ACTIVATED = "activation", "激活账号"
        ACTIVATION_FAILED = "activation_failed", "激活失败"
        ACTIVATION_EXPIRED = "activation_expired", "激活码过期"
        RESET_REQUESTED = "reset_requested", "申请重置密码"
        PASSWORD_RESET = "password_reset", "邮件重置密码"
        PASSWORD_CHANGE = "password_change", "修改密码"
        EMAIL_CHANGE = "email_change", "修改邮箱"

    timestamp = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("事件", max_length=20, choices=Action.choices)
    user = user_reference(
        related_name="+",
        verbose_name="用户",
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    success = models.BooleanField("结果", default=True)
    detail = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "安全日志"
        verbose_name_plural = "安全日志"
        ordering = ["-timestamp"]

    def __str__(self):
        return f"{self.get_action_display()} {self.username}"

    @property
    def outcome(self) -> str:
        return "成功" if self.success else "失败"


class ScopedModelLogEntry(ModelLogEntry):
    """Wagtail's log of non-page objects, read through the registered scopes.

    Registered in place of ModelLogEntry (same table); see members.audit.
    """

    objects = ScopedLogEntryManager()

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"


class RateLimitCounter(models.Model):
    """One rate-limit key's attempts in its current window (members.ratelimit)."""

    key = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        default_permissions = ()
        verbose_name = "频率限制计数"
        verbose_name_plural = "频率限制计数"

    def __str__(self):
        return f"{self.key}: {self.count}"


class ActivationCodeQuerySet(models.QuerySet):
    def live(self):
        """Codes that may still be used: neither used, revoked nor past their expiry."""
        return self.filter(
            status=ActivationCode.Status.ACTIVE, expires_at__gt=timezone.now()
        )


class ActivationCode(models.Model):
    """A one-time code with which a member sets their password (members.accounts).

    Only a keyed digest of the code is stored; the code itself is shown once, on the
    sheet its 组织管理员 prints, or sent once by e-mail. A member has at most one
    active code: issuing a new one revokes the old.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        USED = "used", "已使用"
        REVOKED = "revoked", "已作废"
        EXPIRED = "expired", "已过期"

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="activation_codes",
        verbose_name="党员",
    )
    digest = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至", db_index=True)
    closed_at = models.DateTimeField("使用或作废时间", null=True, blank=True)
    issued_by = user_reference(
        related_name="+",
        verbose_name="签发人",
    )
    by_email = models.BooleanField("以邮件发送", default=False)

    objects = ActivationCodeQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        verbose_name = "激活码"
        verbose_name_plural = "激活码"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self):
        return f"{self.member} {self.get_status_display()}"


class PasswordStatus(models.Model):
    """Whether an account must choose a new password before doing anything else.

    Set when someone other than the account's owner gave it a password (a site admin
    in the user admin); cleared when the owner sets one (members.accounts)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_status",
        verbose_name="账号",
    )
    must_change = models.BooleanField("须修改密码", default=False)
    changed_at = models.DateTimeField("最近修改密码", null=True, blank=True)

    class Meta:
        default_permissions = ()
        verbose_name = "密码状态"
        verbose_name_plural = "密码状态"

    def __str__(self):
        return str(self.user)


class ReportPermissionModel(models.Model):
    """Abstract, no table: a model whose only job is to carry the permission to see a
    report (its Meta's ``permissions``; Meta subclasses ReportPermissionModel.Meta).
    Its str is the report's name (``report_name``)."""

    report_name = ""

    class Meta:
        abstract = True
        managed = False
        default_permissions = ()

    def __str__(self):
        return self.report_name
