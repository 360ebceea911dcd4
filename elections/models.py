"""投票计票: secret-ballot votes in an organisation.

Who voted (Participation) and what was voted (Ballot) live in separate tables written
in one transaction. Neither can be lined up with the other: both have random UUID keys,
neither keeps a time finer than the day, and a ballot holds no user. A voter checks
their ballot was counted with a receipt code of which only a keyed hash is kept.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from members.activities import OrganizationActivity, TimeWindowMixin
from members.fields import user_reference
from members.models import Member, Organization


class Mode(models.TextChoices):
    ONLINE = "online", "网上投票"
    IN_PERSON = "in_person", "现场投票（到会党员用手机投票）"


class Status(models.TextChoices):
    DRAFT = "draft", "筹备中"
    OPEN = "open", "已启动"
    CLOSED = "closed", "已结束"
    SIGNED = "signed", "结果已确认"


class Election(TimeWindowMixin, OrganizationActivity, ClusterableModel):
    """A vote in one organisation: candidates, how many to choose, when, the rules."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="elections",
        verbose_name="党组织",
        help_text="该党组织及其下级组织的党员有选举权（启动投票时确定名单）；"
        "该党组织（及上级）的组织管理员主持投票。",
    )
    mode = models.CharField(
        "投票方式", max_length=20, choices=Mode.choices, default=Mode.ONLINE
    )
    seats = models.PositiveSmallIntegerField(
        "应选人数", default=1, help_text="每张选票最多可选的人数。"
    )
    allow_write_ins = models.BooleanField(
        "允许另选他人", default=False, help_text="选票上可填写候选人以外的党员姓名。"
    )
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    quorum_percent = models.PositiveSmallIntegerField(
        "到会（投票）人数须超过应到人数的百分比",
        default=50,
        help_text="默认 50：投票人数超过有选举权党员的半数，选举有效。",
    )
    elect_percent = models.PositiveSmallIntegerField(
        "当选票数须超过投票数的百分比",
        default=50,
        help_text="默认 50：得票超过实到（投票）人数的半数始得当选。",
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
    )
    electorate_date = models.DateField("选举人名单日期", null=True, editable=False)
    eligible_count = models.PositiveIntegerField(
        "有选举权人数", default=0, editable=False
    )
    result = models.JSONField("计票结果", null=True, blank=True, editable=False)
    signed_off_by = user_reference(
        related_name="+",
        editable=False,
        verbose_name="确认人",
    )
    signed_off_at = models.DateTimeField("确认时间", null=True, editable=False)
    notice = models.ForeignKey(
        "notices.NoticePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="结果公示",
    )
    panels = [
        FieldPanel("title"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("organization"), FieldPanel("mode")]),
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel([FieldPanel("seats"), FieldPanel("allow_write_ins")]),
                FieldRowPanel(
                    [FieldPanel("quorum_percent"), FieldPanel("elect_percent")]
                ),
            ],
            heading="范围、时间与规则",
        ),
        InlinePanel("candidates", label="候选人", min_num=1),
    ]

    class Meta:
        verbose_name = "投票"
        verbose_name_plural = "投票计票"
        ordering = ["-opens_at", "-pk"]

    def clean(self):
        errors = self.window_errors()
        if not 1 <= (self.seats or 0) <= 50:
            errors["seats"] = "应选人数须在 1 到 50 之间。"
        for name in ("quorum_percent", "elect_percent"):
            value = getattr(self, name)
            if value is None or not 0 <= value <= 99:
                errors[name] = "请填写 0 到 99 之间的整数。"
        if errors:
            raise ValidationError(errors)

    def phase(self, when=None) -> str:
        """draft, upcoming, voting, ended (time is up, not closed yet), closed, signed."""
        return self.window_phase("voting", when)

    def phase_label(self, when=None) -> str:
        return {
            "draft": "筹备中",
            "upcoming": "未开始",
            "voting": "投票中",
            "ended": "投票时间已到，待结束",
            "closed": "已结束，待确认结果",
            "signed": "结果已确认",
        }[self.phase(when)]


class Candidate(Orderable):
    election = ParentalKey(
        Election, on_delete=models.CASCADE, related_name="candidates"
    )
    name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对应党员",
    )
    note = models.CharField("简介", max_length=200, blank=True)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("note")])]

    class Meta(Orderable.Meta):
        verbose_name = "候选人"
        verbose_name_plural = "候选人"

    def __str__(self):
        return self.name


class Elector(models.Model):
    """The register: a member with a vote, fixed when the vote opens."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="electors"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "member"], name="one_register_entry"
            )
        ]

    def __str__(self):
        return f"{self.election} 选举人"


class Participation(models.Model):
    """Who voted (never what): at most one per elector and election."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="participations"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    voted_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "member"], name="one_ballot_each"
            )
        ]

    def __str__(self):
        return f"{self.election} 已投票"


class Ballot(models.Model):
    """What was voted (never who): candidate ids and written-in names."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="ballots"
    )
    candidates = models.JSONField(default=list)
    write_ins = models.JSONField(default=list)
    blank = models.BooleanField(default=False)
    invalid = models.BooleanField(default=False)
    cast_on = models.DateField()
    receipt_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        # Listing by the random key reveals nothing of the order of voting.
        ordering = ["id"]

    def __str__(self):
        return f"{self.election} 选票"


class PaperMethod(models.TextChoices):
    BALLOTS = "ballots", "逐张录入选票"
    TOTALS = "totals", "按候选人录入汇总票数"


class PaperCount(models.Model):
    """Paper ballots of an in-person vote, entered once by the staff after counting.

    Paper ballots name nobody, so each ballot's marks may be kept as entered; the
    totals are what the tally adds. One per vote (the double-entry guard)."""

    election = models.OneToOneField(
        Election, on_delete=models.CASCADE, related_name="paper_count"
    )
    method = models.CharField("录入方式", max_length=10, choices=PaperMethod.choices)
    present = models.PositiveIntegerField("到会领票人数")
    collected = models.PositiveIntegerField("收回选票")
    blank = models.PositiveIntegerField("空白票", default=0)
    invalid = models.PositiveIntegerField("废票", default=0)
    votes = models.JSONField("候选人得票", default=dict)
    write_ins = models.JSONField("另选他人得票", default=dict)
    ballots = models.JSONField("逐张选票", default=list, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="录入人",
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = "纸质选票"
        verbose_name_plural = "纸质选票"

    def __str__(self):
        return f"{self.election} 纸质选票"
