"""In-site notifications, their e-mail delivery state, and per-kind preferences."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import kinds


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The user's own notifications; nothing for anonymous visitors."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one account, shown on the site and perhaps mailed.

    Title and body are short and written by the notifying app for this recipient:
    never a letter's content or personal data the recipient could not open."""

    class Email(models.TextChoices):
        NONE = "", "不发送"
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    kind = models.CharField("类型", max_length=40)
    title = models.CharField("标题", max_length=120)
    body = models.CharField("内容", max_length=300, blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)

    email_status = models.CharField(
        "邮件", max_length=8, choices=Email.choices, blank=True, default=""
    )
    email_attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    email_next_at = models.DateTimeField("下次发送", null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    email_error = models.CharField("发送错误", max_length=255, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read"),
            models.Index(
                fields=["email_status", "email_next_at"], name="notif_email_due"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="notification_once_per_recipient",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def kind_label(self) -> str:
        return kinds.label(self.kind)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class EmailPreference(models.Model):
    """A user's choice for one kind; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=40)
    email = models.BooleanField("邮件通知")

    class Meta:
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="one_preference_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.kind}"
