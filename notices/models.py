"""网上公示: notices with a 公示期, and the feedback people send during it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet

from home.params import choice_param, int_param
from members.fields import EncryptedTextField, user_reference
from members.models import Organization
from members.scopes import filing_organizations


class NoticeType(models.TextChoices):
    DEVELOPMENT = "development", "发展党员公示"
    APPOINTMENT = "appointment", "干部任前公示"
    COMMENDATION = "commendation", "评优表彰公示"
    ASSESSMENT = "assessment", "考核结果公示"


class Phase(models.TextChoices):
    UPCOMING = "upcoming", "即将公示"
    OPEN = "open", "公示中"
    ARCHIVED = "archived", "公示结束"


class NoticePageQuerySet(PageQuerySet):
    def open_on(self, day: datetime.date):
        return self.filter(period_start__lte=day, period_end__gte=day)

    def archived_on(self, day: datetime.date):
        return self.filter(period_end__lt=day)

    def upcoming_on(self, day: datetime.date):
        return self.filter(period_start__gt=day)

    def in_phase(self, phase: str, day: datetime.date):
        return {
            Phase.OPEN: self.open_on,
            Phase.ARCHIVED: self.archived_on,
            Phase.UPCOMING: self.upcoming_on,
        }[phase](day)


NoticePageManager = PageManager.from_queryset(NoticePageQuerySet)


class NoticeIndexPage(Page):
    """网上公示: every notice, newest period first, by type and phase."""

    intro = RichTextField("导语", blank=True, features=["bold", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["notices.NoticePage"]
    max_count = 1

    class Meta:
        verbose_name = "网上公示栏目"

    def notices(self):
        return (
            NoticePage.objects.child_of(self)
            .live()
            .public()
            .select_related("organization")
            .order_by("-period_start", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        today = timezone.localdate()
        notices = self.notices()
        notice_type = choice_param(request.GET, "type", NoticeType.values)
        phase = choice_param(request.GET, "phase", Phase.values)
        if notice_type:
            notices = notices.filter(notice_type=notice_type)
        if phase:
            notices = notices.in_phase(phase, today)
        paginator = Paginator(notices, 15)
        number = int_param(request.GET, "page", default=1, minimum=1)
        page_obj = paginator.get_page(number)
        context.update(
            notices=[(notice, notice.phase(today)) for notice in page_obj],
            page_obj=page_obj,
            types=NoticeType.choices,
            phases=Phase.choices,
            chosen_type=notice_type,
            chosen_phase=phase,
        )
        return context


class NoticePageForm(WagtailAdminPageForm):
    """Only organisations the editor may file under (as news articles)."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "organization" in self.fields:
            allowed = filing_organizations(for_user).values("pk")
            self.fields["organization"].queryset = Organization.objects.filter(
                models.Q(pk__in=allowed) | models.Q(pk=self.instance.organization_id)
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "公示结束日期不能早于开始日期。")
        return data


class NoticePage(Page):
    """One notice: who publishes it, what it is about, and when feedback is taken."""

    notice_type = models.CharField(
        "公示类型", max_length=20, choices=NoticeType.choices
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name="发布党组织",
        help_text="反馈由该党组织的管理人员答复。",
    )
    period_start = models.DateField("公示开始日期")
    period_end = models.DateField("公示结束日期")
    body = RichTextField("公示内容", features=["h2", "h3", "bold", "ol", "ul", "link"])
    contact = models.CharField(
        "受理方式",
        max_length=200,
        blank=True,
        help_text="如：组织部，电话 0531-8888 6601；也可在本页提交意见。",
    )

    objects = NoticePageManager()
    base_form_class = NoticePageForm
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("notice_type"), FieldPanel("organization")]),
                FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
                FieldPanel("contact"),
            ],
            heading="公示信息",
        ),
        FieldPanel("body"),
    ]
    parent_page_types = ["notices.NoticeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"

    def clean(self):
        super().clean()
        if (
            self.period_start
            and self.period_end
            and self.period_end < self.period_start
        ):
            raise ValidationError({"period_end": "公示结束日期不能早于开始日期。"})

    def phase(self, day: datetime.date | None = None) -> str:
        """Before, during or after the 公示期 on `day` (today by default)."""
        day = day or timezone.localdate()
        if day < self.period_start:
            return Phase.UPCOMING
        if day > self.period_end:
            return Phase.ARCHIVED
        return Phase.OPEN

    def accepts_feedback(self, day: datetime.date | None = None) -> bool:
        return self.phase(day) == Phase.OPEN

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        phase = self.phase()
        context.update(
            phase=phase,
            phase_label=Phase(phase).label,
            index=self.get_parent().specific,
        )
        return context


class FeedbackStatus(models.TextChoices):
    PENDING = "pending", "待答复"
    REPLIED = "replied", "已答复"


class NoticeFeedbackQuerySet(models.QuerySet):
    def within(self, organizations):
        """Feedback on notices of these organisations."""
        return self.filter(notice__organization__in=organizations)


class NoticeFeedback(models.Model):
    """意见反馈 on a notice: real name and contact, followed with number and code."""

    tracking_number = models.CharField("反馈编号", max_length=24, unique=True)
    query_code_hash = models.CharField(max_length=64, editable=False)
    notice = models.ForeignKey(
        NoticePage,
        on_delete=models.PROTECT,
        related_name="feedback",
        verbose_name="公示",
    )
    real_name = EncryptedTextField("姓名")
    contact = EncryptedTextField("联系方式")
    content = models.TextField("反馈内容", max_length=2000)
    writer = user_reference(
        related_name="notice_feedback",
        verbose_name="提交账号",
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=FeedbackStatus.choices,
        default=FeedbackStatus.PENDING,
        db_index=True,
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    reply = models.TextField("答复", max_length=3000, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = user_reference(
        related_name="+",
        verbose_name="答复人",
    )

    objects = NoticeFeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = "公示反馈"
        verbose_name_plural = "公示反馈"
        ordering = ["-submitted_at", "-pk"]
        permissions = [("reply_noticefeedback", "答复公示反馈")]

    def __str__(self):
        return self.tracking_number
