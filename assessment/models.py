"""网上考核: a superior organisation's plan for a period, its task list, and each
target organisation's report per item (completion, evidence, rule facts, score).

A plan is drafted, issued (one Report per target, one ItemReport per item and
target) and closed (totals, ranks and bands written onto the reports, so the history
of past periods never changes when the tree or the rules do)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from mailbox.models import PrivateStorage, StoredFile
from members.activities import OrganizationActivity
from members.models import Organization


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已下发，考核中"
    CLOSED = "closed", "已结束"


class Rule(models.TextChoices):
    NONE = "", "人工评分"
    NEWS = "news", "期内发布的新闻（基层动态）不少于 N 篇"
    STUDY = "study", "党员网上学习参与率不低于 X%"


class Completion(models.TextChoices):
    DONE = "done", "已完成"
    PARTLY = "partly", "部分完成"
    NOT_DONE = "not_done", "未完成"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "未报送"
    SUBMITTED = "submitted", "待评分"
    RETURNED = "returned", "退回补充"
    SCORED = "scored", "已评分"


class Band(models.TextChoices):
    EXCELLENT = "excellent", "先进党组织"
    QUALIFIED = "qualified", "合格党组织"
    UNQUALIFIED = "unqualified", "不合格党组织"


class MemberBand(models.TextChoices):
    EXCELLENT = "excellent", "先进党员"
    QUALIFIED = "qualified", "合格党员"
    UNQUALIFIED = "unqualified", "不合格党员"


def _weight(label: str, default: int, help_text: str):
    return models.PositiveSmallIntegerField(
        f"{label}权重", default=default, help_text=help_text
    )


class AssessmentPlan(OrganizationActivity, ClusterableModel):
    """考核方案: who assesses whom, for which period, with which task list and bands."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="assessment_plans",
        verbose_name="考核党组织",
        help_text="下发任务、评分并结束考核的上级党组织。",
    )
    period_kind = models.CharField(
        "考核周期", max_length=10, choices=PeriodKind.choices
    )
    period_start = models.DateField("周期开始日期")
    period_end = models.DateField("周期结束日期")
    targets = ParentalManyToManyField(
        Organization,
        related_name="assessment_targets",
        verbose_name="被考核党组织",
        help_text="考核党组织下级的党组织（须在您的管理范围内）。",
    )
    excellent_percent = models.PositiveSmallIntegerField(
        "先进线（得分率 %）",
        default=90,
        help_text="得分率不低于此值为先进党组织。",
    )
    qualified_percent = models.PositiveSmallIntegerField(
        "合格线（得分率 %）",
        default=60,
        help_text="得分率不低于此值为合格党组织，低于此值为不合格党组织。",
    )
    study_weight = _weight(
        "学习", 40, "期内取得的学时占年度学时目标（按周期折算）的比例。"
    )
    exam_weight = _weight(
        "考试", 20, "期内参加的测验、结业考试和知识竞赛的最好成绩平均分。"
    )
    daily_weight = _weight("每日答题", 10, "期内（截至今天）参加每日答题的天数比例。")
    evaluation_weight = _weight(
        "民主评议",
        30,
        "当年已确认的民主评议结果：优秀 100、合格 80、基本合格 60、不合格 0；"
        "评议为不合格的党员评为不合格党员。",
    )
    member_excellent_percent = models.PositiveSmallIntegerField(
        "先进党员线（%）", default=85, help_text="综合得分率不低于此值为先进党员。"
    )
    member_qualified_percent = models.PositiveSmallIntegerField(
        "合格党员线（%）",
        default=60,
        help_text="综合得分率不低于此值为合格党员，低于此值为不合格党员。",
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=PlanStatus.choices,
        default=PlanStatus.DRAFT,
        editable=False,
    )
    issued_at = models.DateTimeField("下发时间", null=True, editable=False)
    closed_at = models.DateTimeField("结束时间", null=True, editable=False)
    notice = models.ForeignKey(
        "notices.NoticePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="考核结果公示",
    )
    panels = [
        FieldPanel("title"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("organization"),
                FieldRowPanel(
                    [
                        FieldPanel("period_kind"),
                        FieldPanel("period_start"),
                        FieldPanel("period_end"),
                    ]
                ),
                FieldPanel("targets"),
                FieldRowPanel(
                    [FieldPanel("excellent_percent"), FieldPanel("qualified_percent")]
                ),
            ],
            heading="考核范围、周期与等次",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("study_weight"),
                        FieldPanel("exam_weight"),
                        FieldPanel("daily_weight"),
                        FieldPanel("evaluation_weight"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("member_excellent_percent"),
                        FieldPanel("member_qualified_percent"),
                    ]
                ),
            ],
            heading="党员评定（被考核党组织的党员按本人学习、考试、每日答题和民主评议评定等次）",
        ),
        InlinePanel("items", label="考核任务", min_num=1),
    ]

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "网上考核"
        ordering = ["-period_start", "-pk"]

    def clean(self):
        errors = {}
        if (
            self.period_start
            and self.period_end
            and self.period_end < self.period_start
        ):
            errors["period_end"] = "周期结束日期不能早于开始日期。"
        for name in (*self.WEIGHTS, *self.THRESHOLDS):
            value = getattr(self, name)
            if value is None or not 0 <= value <= 100:
                errors[name] = "请填写 0 到 100 之间的整数。"
        for high, low in (
            ("excellent_percent", "qualified_percent"),
            ("member_excellent_percent", "member_qualified_percent"),
        ):
            if (
                high not in errors
                and low not in errors
                and getattr(self, high) < getattr(self, low)
            ):
                errors[high] = "先进线不能低于合格线。"
        if not any(name in errors for name in self.WEIGHTS) and not any(
            getattr(self, name) for name in self.WEIGHTS
        ):
            errors["study_weight"] = "党员评定的权重不能全为 0。"
        if errors:
            raise ValidationError(errors)

    WEIGHTS = ("study_weight", "exam_weight", "daily_weight", "evaluation_weight")
    THRESHOLDS = (
        "excellent_percent",
        "qualified_percent",
        "member_excellent_percent",
        "member_qualified_percent",
    )

    def member_band_for(self, percent: Decimal) -> str:
        if percent >= self.member_excellent_percent:
            return MemberBand.EXCELLENT
        if percent >= self.member_qualified_percent:
            return MemberBand.QUALIFIED
        return MemberBand.UNQUALIFIED

    def band_for(self, percent: Decimal) -> str:
        if percent >= self.excellent_percent:
            return Band.EXCELLENT
        if percent >= self.qualified_percent:
            return Band.QUALIFIED
        return Band.UNQUALIFIED


class TaskItem(Orderable):
    """One line of the 考核任务清单."""

    plan = ParentalKey(AssessmentPlan, on_delete=models.CASCADE, related_name="items")
    title = models.CharField("任务", max_length=100)
    description = models.TextField("任务说明", max_length=1000, blank=True)
    evidence_required = models.CharField("佐证材料要求", max_length=300, blank=True)
    points = models.DecimalField(
        "分值", max_digits=5, decimal_places=1, default=Decimal("10")
    )
    due_date = models.DateField("报送截止日期")
    rule = models.CharField(
        "自动评分规则", max_length=10, choices=Rule.choices, blank=True, default=""
    )
    rule_target = models.PositiveIntegerField(
        "规则指标",
        null=True,
        blank=True,
        help_text="新闻篇数 N，或学习参与率 X（百分数）；人工评分留空。",
    )

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("points")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("evidence_required"), FieldPanel("due_date")]),
        FieldRowPanel([FieldPanel("rule"), FieldPanel("rule_target")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "考核任务"
        verbose_name_plural = "考核任务清单"

    def __str__(self):
        return self.title

    @property
    def points_label(self) -> str:
        """50.0 as 50, 7.5 as 7.5."""
        whole = self.points.to_integral()
        return str(whole) if self.points == whole else str(self.points)

    def rule_text(self) -> str:
        if self.rule == Rule.NEWS:
            return f"期内发布新闻不少于 {self.rule_target} 篇"
        if self.rule == Rule.STUDY:
            return f"党员网上学习参与率不低于 {self.rule_target}%"
        return "人工评分"

    def clean(self):
        errors = {}
        if self.points is not None and not Decimal("0") < self.points <= 1000:
            errors["points"] = "分值须大于 0、不超过 1000。"
        if self.rule and not self.rule_target:
            errors["rule_target"] = "选择了自动评分规则，请填写规则指标。"
        if (
            self.rule == Rule.STUDY
            and self.rule_target
            and not 1 <= self.rule_target <= 100
        ):
            errors["rule_target"] = "学习参与率请填写 1 到 100 之间的整数。"
        if self.rule == Rule.NEWS and self.rule_target and self.rule_target > 1000:
            errors["rule_target"] = "新闻篇数请填写 1 到 1000 之间的整数。"
        if errors:
            raise ValidationError(errors)


class ReportQuerySet(models.QuerySet):
    def in_organizations(self, organizations):
        return self.filter(organization__in=organizations)


class Report(models.Model):
    """One target organisation's report on one plan, and its result once closed."""

    plan = models.ForeignKey(
        AssessmentPlan, on_delete=models.CASCADE, related_name="reports"
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="assessment_reports",
        verbose_name="被考核党组织",
    )
    total = models.DecimalField(
        "得分", max_digits=7, decimal_places=1, null=True, editable=False
    )
    percent = models.DecimalField(
        "得分率（%）", max_digits=5, decimal_places=1, null=True, editable=False
    )
    rank = models.PositiveSmallIntegerField("名次", null=True, editable=False)
    band = models.CharField(
        "等次", max_length=12, choices=Band.choices, blank=True, editable=False
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "考核报送"
        verbose_name_plural = "考核报送"
        ordering = ["plan", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "organization"], name="assessment_one_report"
            )
        ]

    def __str__(self):
        return f"{self.plan} · {self.organization}"


class ItemReport(models.Model):
    """What a target reported on one task item, the rule's facts, and the score."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(TaskItem, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        "状态", max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING
    )
    completion = models.CharField(
        "完成情况", max_length=10, choices=Completion.choices, blank=True
    )
    text = models.TextField("完成情况说明", max_length=3000, blank=True)
    links = models.TextField(
        "本站链接", max_length=2000, blank=True, help_text="每行一个本站页面地址。"
    )
    facts = models.JSONField("规则统计", null=True, blank=True)
    suggested_score = models.DecimalField(
        "建议得分", max_digits=5, decimal_places=1, null=True
    )
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True)
    comment = models.CharField("评分意见", max_length=500, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    reported_at = models.DateTimeField("报送时间", null=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    scored_at = models.DateTimeField("评分时间", null=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "任务报送"
        verbose_name_plural = "任务报送"
        ordering = ["item__sort_order", "item__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "item"], name="assessment_one_item_report"
            )
        ]

    def __str__(self):
        return f"{self.report} · {self.item}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status in (ItemStatus.PENDING, ItemStatus.RETURNED)
            and self.item.due_date < today
        )

    def link_list(self) -> list[str]:
        return [line for line in self.links.splitlines() if line.strip()]


class MemberResult(models.Model):
    """A member's standing at the close of a plan, kept as the period's history: each
    part's percentage (None where it did not apply to the member's organisation), the
    weighted total, the rank among all members of the plan and the band."""

    plan = models.ForeignKey(
        AssessmentPlan, on_delete=models.CASCADE, related_name="member_results"
    )
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="member_results"
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="党员",
    )
    member_name = models.CharField("姓名", max_length=50)
    organization_name = models.CharField("所在党组织", max_length=100)
    hours = models.DecimalField("期内学时", max_digits=7, decimal_places=2)
    target_hours = models.DecimalField("期内学时目标", max_digits=7, decimal_places=2)
    study = models.DecimalField("学习（%）", max_digits=5, decimal_places=1, null=True)
    exams_taken = models.PositiveSmallIntegerField("参加考试数", default=0)
    exam = models.DecimalField("考试（%）", max_digits=5, decimal_places=1, null=True)
    daily_days = models.PositiveSmallIntegerField("每日答题天数", default=0)
    daily = models.DecimalField(
        "每日答题（%）", max_digits=5, decimal_places=1, null=True
    )
    evaluation_grade = models.CharField("民主评议", max_length=12, blank=True)
    evaluation = models.DecimalField(
        "民主评议（%）", max_digits=5, decimal_places=1, null=True
    )
    percent = models.DecimalField("综合得分率（%）", max_digits=5, decimal_places=1)
    rank = models.PositiveIntegerField("名次")
    band = models.CharField("等次", max_length=12, choices=MemberBand.choices)

    class Meta:
        verbose_name = "党员评定结果"
        verbose_name_plural = "党员评定结果"
        ordering = ["plan", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "member"], name="assessment_one_member_result"
            )
        ]

    def __str__(self):
        return f"{self.plan} · {self.member_name}"


def evidence_path(instance, filename: str) -> str:
    return f"assessment/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class PrivateEvidenceStorage(PrivateStorage):
    """Evidence lives outside MEDIA_ROOT (PORTAL_ASSESSMENT_FILES_ROOT) and is only
    served by a view that checks the organisation scope."""

    root_setting = "PORTAL_ASSESSMENT_FILES_ROOT"


private_storage = PrivateEvidenceStorage()


def _private_storage():
    return private_storage


class Evidence(StoredFile):
    """A checked file or photo attached to an item report; stored privately."""

    item_report = models.ForeignKey(
        ItemReport, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(
        upload_to=evidence_path, storage=_private_storage, max_length=200
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["pk"]
