"""民主评议党员: the annual evaluation of the members of a branch.

A round belongs to one 党支部 and one year. Opening it fixes the register
(Participant); each participant writes a self-assessment and rates the others. A
Rating keeps who rated whom (one per rater and ratee, a database constraint) for
integrity; pages and exports show it only to staff at or above the configured level
(evaluation.permissions.sees_raters). The branch committee confirms an Outcome per
member; closing the round makes the outcomes final.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from members.activities import OrganizationActivity, TimeWindowMixin
from members.fields import user_reference
from members.models import Member, Organization


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


# Best first: the order of columns in tallies and of the ranking.
GRADE_ORDER = [g.value for g in Grade]


class Status(models.TextChoices):
    DRAFT = "draft", "筹备中"
    OPEN = "open", "已启动"
    CLOSED = "closed", "已结束，结果已确定"


class Round(TimeWindowMixin, OrganizationActivity):
    """One year's 民主评议 in one branch, with its rating window."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="evaluation_rounds",
        verbose_name="党支部",
        help_text="该党支部（含其党小组）的党员参加评议；启动时确定名单。",
    )
    year = models.PositiveSmallIntegerField("评议年度")
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    status = models.CharField(
        "状态",
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
    )
    register_date = models.DateField("名单日期", null=True, editable=False)
    closed_by = user_reference(
        related_name="+",
        editable=False,
        verbose_name="结束人",
    )
    closed_at = models.DateTimeField("结束时间", null=True, editable=False)
    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("organization"), FieldPanel("year")]),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")])],
            heading="评议时间",
        ),
        FieldPanel("intro"),
    ]

    class Meta:
        verbose_name = "民主评议"
        verbose_name_plural = "民主评议党员"
        ordering = ["-year", "-opens_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="one_round_per_branch_year"
            )
        ]

    def clean(self):
        errors = self.window_errors()
        if self.year is not None and not 2000 <= self.year <= 2100:
            errors["year"] = "请填写 2000 到 2100 之间的年份。"
        if self.organization_id and self.organization.kind != Organization.Kind.BRANCH:
            errors["organization"] = "民主评议以党支部为单位，请选择一个党支部。"
        if (
            self.organization_id
            and self.year
            and Round.objects.filter(organization=self.organization, year=self.year)
            .exclude(pk=self.pk)
            .exists()
        ):
            errors["year"] = "该党支部这一年度已有民主评议。"
        if errors:
            raise ValidationError(errors)

    def phase(self, when=None) -> str:
        """draft, upcoming, rating, ended (window over, outcomes being confirmed),
        closed."""
        return self.window_phase("rating", when)

    def phase_label(self, when=None) -> str:
        return {
            "draft": "筹备中",
            "upcoming": "未开始",
            "rating": "评议中",
            "ended": "评议已截止，待支委会确认结果",
            "closed": "已结束，结果已确定",
        }[self.phase(when)]


class Participant(models.Model):
    """The register: a member of the branch, fixed when the round opens."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member"], name="one_register_entry_per_round"
            )
        ]

    def __str__(self):
        return f"{self.round} · {self.member}"


class SelfAssessment(models.Model):
    """A member's 自我评价 in a round."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="self_assessments"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    text = models.TextField("自我评价", max_length=3000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member"], name="one_self_assessment"
            )
        ]

    def __str__(self):
        return f"{self.member} 的自我评价"


class Rating(models.Model):
    """One member's rating of another; who rated is kept, shown only to staff at
    or above the configured level."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    ratee = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField("评价", max_length=12, choices=Grade.choices)
    comment = models.CharField("意见建议", max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "rater", "ratee"], name="one_rating_per_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(rater=models.F("ratee")), name="no_self_rating"
            ),
        ]

    def __str__(self):
        return f"{self.round} 评价"


class Outcome(models.Model):
    """The branch committee's decision on one member: the grade, who, when, why."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="outcomes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField("评议结果", max_length=12, choices=Grade.choices)
    note = models.CharField("支委会意见", max_length=500, blank=True)
    tally = models.JSONField("确认时的票数", default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="确认人",
    )
    decided_at = models.DateTimeField("确认时间")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="one_outcome")
        ]

    def __str__(self):
        return f"{self.member}：{self.get_grade_display()}"
