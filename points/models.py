"""学习积分: rules staff edit, and a ledger derived from recorded facts.

Every entry is keyed by (member, rule, source fact): a study day, a completed lesson,
a passed exam, a contest taken, a day's 每日答题, a required course finished in time.
``points.ledger.recompute`` rebuilds a member's entries from the facts, so running it
again changes nothing and a changed rule (points, daily cap, on/off) is applied to the
whole history by recomputing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from members.models import Member, ReportPermissionModel


class PointRule(models.Model):
    """One way of earning points. The kinds are fixed (each reads its own facts);
    staff set the points, the daily cap and whether it counts."""

    class Code(models.TextChoices):
        STUDY = "study_minutes", "学习时长（每 10 分钟）"
        LESSON = "lesson_completed", "学完一个课时"
        QUIZ = "quiz_passed", "通过随堂测验"
        FINAL = "final_passed", "通过结业考试"
        CONTEST = "contest_taken", "参加知识竞赛"
        DAILY = "daily_correct", "每日答题（每答对一题）"
        REQUIRED = "required_on_time", "按期完成必修课"

    code = models.CharField(
        "积分项", max_length=30, choices=Code.choices, unique=True, editable=False
    )
    points = models.PositiveSmallIntegerField("每次积分", default=1)
    daily_cap = models.PositiveSmallIntegerField(
        "每日上限", default=0, help_text="一天内这一项最多得的积分，0 表示不设上限"
    )
    is_active = models.BooleanField("计分", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__lte=1000) & Q(daily_cap__lte=10000),
                name="points_rule_bounds",
            )
        ]

    def __str__(self):
        return self.get_code_display()

    @property
    def cap_display(self) -> str:
        return f"{self.daily_cap} 分" if self.daily_cap else "不设上限"


class PointEntry(models.Model):
    """Points a member earned from one fact under one rule (after the daily cap)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    rule = models.ForeignKey(
        PointRule,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name="积分项",
    )
    source = models.CharField("来源", max_length=64)
    day = models.DateField("日期")
    occurred_at = models.DateTimeField("时间")
    quantity = models.PositiveIntegerField("数量", default=1)
    points = models.PositiveIntegerField("积分", default=0)
    capped = models.BooleanField("受每日上限限制", default=False)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "rule", "source"], name="points_entry_once"
            )
        ]
        indexes = [
            models.Index(fields=["member", "day"]),
            models.Index(fields=["member", "-occurred_at"]),
        ]

    def __str__(self):
        return f"{self.member_id} {self.rule_id} {self.source}: {self.points}"


class PointsReport(ReportPermissionModel):
    """No table: carries the permission to see the points rankings."""

    report_name = "积分排行"

    class Meta(ReportPermissionModel.Meta):
        permissions = [("view_points_report", "查看积分排行")]
