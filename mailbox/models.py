"""Mailboxes, letters and their handling record; the message board."""

import hashlib
import os
import secrets
import uuid
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from members.fields import EncryptedTextField, user_reference


class PrivateStorage(FileSystemStorage):
    """Files kept outside MEDIA_ROOT, under the directory the setting ``root_setting``
    names, with no URL: only a view that checks who asks serves them."""

    root_setting: str

    @property
    def base_location(self):
        return str(getattr(settings, self.root_setting))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


class PrivateLetterStorage(PrivateStorage):
    """Letter attachments (PORTAL_MAILBOX_FILES_ROOT), only served by a view."""

    root_setting = "PORTAL_MAILBOX_FILES_ROOT"

    def _save(self, name, content):
        """Flush the file to disk before the letter's transaction commits."""
        name = super()._save(name, content)
        fd = os.open(self.path(name), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return name


private_storage = PrivateLetterStorage()


def _private_storage():
    return private_storage


class Mailbox(models.Model):
    """A leader's mailbox: who answers it, who signs off, and how fast."""

    name = models.CharField("名称", max_length=50, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="led_mailboxes",
        verbose_name="领导（签发人）",
        blank=True,
    )
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="handled_mailboxes",
        verbose_name="办理人",
        blank=True,
    )
    reply_days = models.PositiveSmallIntegerField(
        "答复时限（工作日）", default=5, help_text="从来信次日起算的工作日数"
    )
    is_active = models.BooleanField("接收来信", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "信箱"
        verbose_name_plural = "信箱"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class CalendarDayQuerySet(models.QuerySet):
    def holidays(self) -> set[date]:
        return set(self.filter(is_working_day=False).values_list("date", flat=True))

    def extra_workdays(self) -> set[date]:
        return set(self.filter(is_working_day=True).values_list("date", flat=True))


class CalendarDay(models.Model):
    """A day that differs from the Monday-to-Friday rule: a holiday or a 调休 workday."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField(
        "上班", default=False, help_text="勾选：周末调休上班；不勾选：节假日放假"
    )
    name = models.CharField("名称", max_length=30, help_text="如：春节、国庆节调休上班")
    provisional = models.BooleanField(
        "暂定", default=False, help_text="国务院办公厅通知发布前的暂定安排"
    )

    objects = CalendarDayQuerySet.as_manager()

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class LetterType(models.TextChoices):
    CONSULT = "consult", "咨询"
    SUGGEST = "suggest", "建议"
    COMPLAIN = "complain", "投诉"
    HELP = "help", "求助"
    REPORT = "report", "举报"


class LetterStatus(models.TextChoices):
    PENDING = "pending", "待受理"
    ACCEPTED = "accepted", "已受理"
    IN_PROGRESS = "in_progress", "办理中"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "不予受理"


class RejectReason(models.TextChoices):
    LITIGATION = "litigation", "已进入诉讼、仲裁或信访程序"
    DUPLICATE = "duplicate", "重复来信"
    OUT_OF_REMIT = "out_of_remit", "不属于本信箱受理范围"
    NO_CONTENT = "no_content", "内容不清、无具体诉求"
    ABUSIVE = "abusive", "含有侮辱、诽谤等不当内容"
    OTHER = "other", "其他"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


OPEN_STATUSES = (
    LetterStatus.PENDING,
    LetterStatus.ACCEPTED,
    LetterStatus.IN_PROGRESS,
)


class LetterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Letters of the mailboxes the user handles or leads; all for mailbox admins."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm("mailbox.manage_all_letters"):
            return self
        return self.filter(
            Q(mailbox__handlers=user) | Q(mailbox__leaders=user)
        ).distinct()

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: date):
        return self.open().filter(due_date__lt=today)

    def published(self):
        return self.filter(
            is_published=True,
            consent_public=True,
            status__in=[LetterStatus.REPLIED, LetterStatus.CLOSED],
        )


class Letter(models.Model):
    """One letter to a leader's mailbox and where it stands."""

    tracking_number = models.CharField("信件编号", max_length=24, unique=True)
    query_code_hash = models.CharField(max_length=64, editable=False)
    submission_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="letters", verbose_name="信箱"
    )
    letter_type = models.CharField("类型", max_length=10, choices=LetterType.choices)
    subject = models.CharField("标题", max_length=40)
    content = models.TextField("内容", max_length=3000)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=LetterStatus.choices,
        default=LetterStatus.PENDING,
        db_index=True,
    )
    reject_reason = models.CharField(
        "不予受理理由", max_length=20, choices=RejectReason.choices, blank=True
    )
    reject_note = models.CharField("理由说明", max_length=300, blank=True)

    # Personal data: encrypted, purged after the retention period.
    writer = user_reference(
        related_name="mailbox_letters",
        verbose_name="来信账号",
    )
    real_name = EncryptedTextField("姓名", blank=True)
    phone = EncryptedTextField("电话", blank=True)
    email = EncryptedTextField("电子邮箱", blank=True)
    consent_public = models.BooleanField("同意公开", default=False)
    privacy_accepted_at = models.DateTimeField("同意隐私声明时间")
    personal_data_purged_at = models.DateTimeField(
        "个人信息清除时间", null=True, blank=True
    )

    submitted_at = models.DateTimeField("来信时间", default=timezone.now)
    due_date = models.DateField("答复期限", db_index=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    first_replied_at = models.DateTimeField("首次答复时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    reminder_sent_on = models.DateField("到期提醒日期", null=True, blank=True)
    escalated_on = models.DateField("超期督办日期", null=True, blank=True)

    satisfaction = models.CharField(
        "满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    satisfaction_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    follow_up_question = models.TextField("追问", max_length=1000, blank=True)
    follow_up_at = models.DateTimeField("追问时间", null=True, blank=True)

    is_published = models.BooleanField("选登公开", default=False)
    published_at = models.DateTimeField("选登时间", null=True, blank=True)
    # The published letter's address: never the tracking number, which together
    # with the query code opens the writer's own view of the letter.
    public_id = models.UUIDField(
        "公开编号", default=uuid.uuid4, unique=True, editable=False
    )
    public_subject = models.CharField("公开标题", max_length=40, blank=True)
    public_content = models.TextField("公开内容（已去除个人信息）", blank=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        verbose_name = "来信"
        verbose_name_plural = "来信"
        ordering = ["-submitted_at"]
        permissions = [
            ("manage_all_letters", "办理所有信箱的来信"),
            ("publish_letters", "选登来信"),
            ("view_letter_statistics", "查看信箱统计"),
        ]

    def __str__(self):
        return self.tracking_number

    @property
    def has_contact(self) -> bool:
        return bool(self.phone or self.email)

    @cached_property
    def signed_replies(self):
        return [r for r in self.replies.all() if r.status == LetterReply.Status.SIGNED]

    def can_rate(self) -> bool:
        return bool(self.first_replied_at) and not self.rated_at

    def can_follow_up(self) -> bool:
        return self.status == LetterStatus.REPLIED and not self.follow_up_at


def attachment_path(instance, filename: str) -> str:
    return f"letters/{instance.letter.submitted_at:%Y/%m}/{secrets.token_hex(16)}"


class StoredFile(models.Model):
    """Abstract: a file that passed mailbox.uploads' checks, kept in a PrivateStorage
    under a random name (a letter's attachment, an assessment report's evidence). The
    concrete model declares ``file`` with its path and storage."""

    display_name = models.CharField("文件名", max_length=80)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def keep(self, checked, name: str) -> str:
        """Take a mailbox.uploads.CheckedFile's facts and write its bytes (the row is
        not saved); the stored name, to delete the file should the row not commit."""
        self.display_name = checked.display_name
        self.content_type = checked.content_type
        self.size = len(checked.data)
        self.sha256 = hashlib.sha256(checked.data).hexdigest()
        self.file.save(name, ContentFile(checked.data), save=False)
        return self.file.name


class LetterAttachment(StoredFile):
    """A checked file sent with a letter; stored privately under a random name."""

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        upload_to=attachment_path, storage=_private_storage, max_length=200
    )

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["pk"]


class LetterReply(models.Model):
    """A reply drafted by a handler; the writer sees it once a leader signs it off."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", "待签发"
        SIGNED = "signed", "已签发"
        RETURNED = "returned", "已退回"

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField("答复内容", max_length=5000)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.AWAITING
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="拟稿人",
    )
    drafted_at = models.DateTimeField("拟稿时间", default=timezone.now)
    reviewed_by = user_reference(
        related_name="+",
        verbose_name="签发人",
    )
    reviewed_at = models.DateTimeField("签发时间", null=True, blank=True)
    review_comment = models.CharField("签发意见", max_length=300, blank=True)
    is_follow_up_answer = models.BooleanField("答复追问", default=False)

    class Meta:
        verbose_name = "答复"
        verbose_name_plural = "答复"
        ordering = ["drafted_at", "pk"]

    def __str__(self):
        return f"{self.letter} 答复"


class LetterEvent(models.Model):
    """One line of a letter's history; public lines are shown to the writer."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=40)
    label = models.CharField("说明", max_length=100)
    note = models.TextField("备注", blank=True)
    is_public = models.BooleanField("来信人可见", default=False)
    actor = user_reference(
        related_name="+",
        verbose_name="操作人",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.letter} {self.label}"


# Message board ---------------------------------------------------------------


class BoardCategory(models.Model):
    """A topic of the message board."""

    name = models.CharField("名称", max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "留言分类"
        verbose_name_plural = "留言分类"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class SensitiveWord(models.Model):
    """A word that flags a post for closer review, or blocks it outright."""

    class Action(models.TextChoices):
        FLAG = "flag", "标记待审"
        BLOCK = "block", "禁止发布"

    word = models.CharField("词语", max_length=50, unique=True)
    action = models.CharField(
        "处理方式", max_length=5, choices=Action.choices, default=Action.FLAG
    )

    class Meta:
        verbose_name = "敏感词"
        verbose_name_plural = "敏感词"
        ordering = ["word"]

    def __str__(self):
        return self.word


class BoardMessageQuerySet(models.QuerySet):
    def public(self):
        """The only messages anyone outside the moderators may ever see."""
        return self.filter(status=BoardMessage.Status.APPROVED, is_private=False)

    def with_related(self):
        return self.select_related("category", "author", "replied_by")


class BoardMessage(models.Model):
    """A member's post; public only after a reviewer approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已发布"
        REJECTED = "rejected", "未通过"
        HIDDEN = "hidden", "已隐藏"

    class AppealStatus(models.TextChoices):
        NONE = "", "无"
        OPEN = "open", "申诉中"
        GRANTED = "granted", "申诉成立"
        DENIED = "denied", "申诉驳回"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="board_messages",
        verbose_name="发帖账号",
    )
    author_real_name = models.CharField("实名", max_length=50)
    show_anonymous = models.BooleanField("匿名显示", default=False)
    category = models.ForeignKey(
        BoardCategory, on_delete=models.PROTECT, verbose_name="分类"
    )
    title = models.CharField("标题", max_length=40)
    body = models.TextField("内容", max_length=1000)
    status = models.CharField(
        "状态",
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    is_private = models.BooleanField("仅管理员可见", default=False)
    flagged_words = models.CharField("命中敏感词", max_length=300, blank=True)
    created_at = models.DateTimeField("留言时间", default=timezone.now)
    moderated_at = models.DateTimeField("审核时间", null=True, blank=True)
    moderated_by = user_reference(
        related_name="+",
        verbose_name="审核人",
    )
    reject_reason = models.CharField("未通过原因", max_length=200, blank=True)
    reply = models.TextField("回复", max_length=2000, blank=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    replied_by = user_reference(
        related_name="+",
        verbose_name="回复人",
    )
    report_count = models.PositiveIntegerField("被举报次数", default=0)
    appeal_status = models.CharField(
        "申诉", max_length=8, choices=AppealStatus.choices, blank=True
    )
    appeal_text = models.TextField("申诉理由", max_length=500, blank=True)
    appeal_at = models.DateTimeField("申诉时间", null=True, blank=True)

    objects = BoardMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "留言"
        verbose_name_plural = "留言"
        ordering = ["-created_at"]
        permissions = [("moderate_boardmessage", "审核与回复留言")]

    def __str__(self):
        return self.title

    @property
    def public_author(self) -> str:
        if self.show_anonymous:
            return "匿名网友"
        return self.author_real_name


class BoardReport(models.Model):
    """A 举报 of a public message by a visitor."""

    message = models.ForeignKey(
        BoardMessage, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField("举报理由", max_length=200)
    reporter = user_reference(
        related_name="+",
    )
    reporter_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField("时间", default=timezone.now)
    resolved = models.BooleanField("已处理", default=False)

    class Meta:
        verbose_name = "留言举报"
        verbose_name_plural = "留言举报"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter_digest"], name="one_report_per_reporter"
            )
        ]

    def __str__(self):
        return f"{self.message} 举报"
