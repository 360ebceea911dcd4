"""网上调查: surveys with typed questions, and the responses to them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from members.activities import TimeWindowMixin
from members.fields import user_reference
from members.models import Organization

MAX_OPTIONS = 12


class Audience(models.TextChoices):
    PUBLIC = "public", "公开（任何人）"
    MEMBERS = "members", "全体党员（需登录）"
    ORGANIZATION = "organization", "指定党组织及其下级的党员"


class ResultsVisibility(models.TextChoices):
    STAFF = "staff", "仅管理人员"
    RESPONDENTS = "respondents", "答卷人提交后可见"
    PUBLIC = "public", "调查结束后公开"


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选"
    MULTIPLE = "multiple", "多选"
    RATING = "rating", "评分（1—5 分）"
    TEXT = "text", "文字填答"


class SurveyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def open_at(self, when):
        return self.published().filter(opens_at__lte=when, closes_at__gt=when)

    def within(self, organizations):
        return self.filter(owner__in=organizations)


class Survey(TimeWindowMixin, ClusterableModel):
    """One survey: who may answer, whether names are kept, and when it runs."""

    title = models.CharField("标题", max_length=80)
    intro = models.TextField("说明", max_length=1000, blank=True)
    owner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name="发起党组织",
        help_text="该党组织（及上级）的组织管理员可管理本调查、查看结果。",
    )
    audience = models.CharField(
        "调查对象", max_length=20, choices=Audience.choices, default=Audience.MEMBERS
    )
    audience_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="面向党组织",
        help_text="调查对象为“指定党组织”时填写，含其下级组织的党员。",
    )
    anonymous = models.BooleanField(
        "匿名调查",
        default=True,
        help_text="匿名调查不记录答卷人；实名调查记录党员姓名。",
    )
    results_visibility = models.CharField(
        "结果公开范围",
        max_length=20,
        choices=ResultsVisibility.choices,
        default=ResultsVisibility.STAFF,
        help_text="发起组织的管理人员始终可看结果；也可让答卷人在提交后查看，"
        "或在调查结束后向所有能打开本调查的人公开。",
    )
    opens_at = models.DateTimeField("开始时间", default=timezone.now)
    closes_at = models.DateTimeField("截止时间")
    is_published = models.BooleanField("发布", default=False)
    created_by = user_reference(
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = SurveyQuerySet.as_manager()

    panels = [
        FieldPanel("title"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("owner"), FieldPanel("audience")]),
                FieldRowPanel(
                    [FieldPanel("audience_organization"), FieldPanel("anonymous")]
                ),
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel(
                    [FieldPanel("results_visibility"), FieldPanel("is_published")]
                ),
            ],
            heading="对象与时间",
        ),
        InlinePanel("questions", label="题目", min_num=1),
    ]

    class Meta:
        verbose_name = "网上调查"
        verbose_name_plural = "网上调查"
        ordering = ["-opens_at", "-pk"]

    def __str__(self):
        return self.title

    def clean(self):
        errors = self.window_errors()
        if self.audience == Audience.ORGANIZATION and not self.audience_organization_id:
            errors["audience_organization"] = "请选择面向的党组织。"
        if self.audience == Audience.PUBLIC and not self.anonymous:
            errors["anonymous"] = "公开调查只能匿名：访客没有可核实的身份。"
        if errors:
            raise ValidationError(errors)

    def state(self, when=None) -> str:
        when = when or timezone.now()
        if not self.is_published:
            return "draft"
        if when < self.opens_at:
            return "upcoming"
        if when >= self.closes_at:
            return "closed"
        return "open"

    def state_label(self, when=None) -> str:
        return {
            "draft": "未发布",
            "upcoming": "未开始",
            "open": "进行中",
            "closed": "已结束",
        }[self.state(when)]


class Question(Orderable):
    """A question of a survey; choices are one per line."""

    survey = ParentalKey(Survey, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(
        "题型", max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    text = models.CharField("题目", max_length=200)
    options = models.TextField(
        "选项",
        blank=True,
        help_text=f"单选、多选题每行一个选项，2—{MAX_OPTIONS} 个；评分和文字题不填。",
    )
    required = models.BooleanField("必答", default=True)

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
        FieldPanel("text"),
        FieldPanel("options"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "题目"
        verbose_name_plural = "题目"

    def __str__(self):
        return self.text

    @property
    def choices(self) -> list[str]:
        if self.kind == QuestionKind.RATING:
            return [f"{n} 分" for n in range(1, 6)]
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    @property
    def has_choices(self) -> bool:
        return self.kind != QuestionKind.TEXT

    def clean(self):
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            count = len(self.choices)
            if count < 2 or count > MAX_OPTIONS:
                raise ValidationError(
                    {"options": f"选择题须有 2—{MAX_OPTIONS} 个选项，每行一个。"}
                )


class Response(models.Model):
    """One filled-in survey. `respondent_key` makes a second response impossible:
    for members a keyed digest of survey and account (no account stored when the
    survey is anonymous), for the public a random id kept in a cookie."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses"
    )
    respondent_key = models.CharField(max_length=64, editable=False)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="答卷党员",
    )
    submitted_on = models.DateField("提交日期", default=timezone.localdate)

    class Meta:
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"], name="one_response_per_person"
            )
        ]

    def __str__(self):
        return f"{self.survey} 答卷 {self.pk}"


class Answer(models.Model):
    """One answer: a chosen option (one row per option of a multiple choice), a
    rating (option 0—4 for 1—5 分) or a text."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers"
    )
    option = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(max_length=1000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["question", "option"])]

    def __str__(self):
        return f"{self.question} 的回答"
