"""The question bank, quizzes and course exams, and members' attempts at them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase
from wagtail.models import Orderable

from members.models import Member, ReportPermissionModel
from school.models import CoursePage, LessonPage

from . import rules


class QuestionCategory(models.Model):
    """A shelf of the bank, e.g. 党章 or 党规; draw rules pick by it."""

    name = models.CharField("名称", max_length=50, unique=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "试题分类"
        verbose_name_plural = "试题分类"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class QuestionTag(TagBase):
    free_tagging = True

    class Meta:
        verbose_name = "试题标签"
        verbose_name_plural = "试题标签"


class TaggedQuestion(TaggedItemBase):
    content_object = models.ForeignKey(
        "exams.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )
    tag = models.ForeignKey(
        QuestionTag, on_delete=models.CASCADE, related_name="tagged_questions"
    )


class QuestionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired=False)


class Question(models.Model):
    """One question of the bank. Retired questions are no longer drawn; attempts keep
    their own copy of what they asked, so editing or retiring changes no result."""

    class Kind(models.TextChoices):
        SINGLE = rules.SINGLE, "单选"
        MULTIPLE = rules.MULTIPLE, "多选"
        JUDGE = rules.JUDGE, "判断"
        FILL = rules.FILL, "填空"

    class Difficulty(models.IntegerChoices):
        EASY = 1, "容易"
        MEDIUM = 2, "中等"
        HARD = 3, "困难"

    kind = models.CharField("题型", max_length=10, choices=Kind.choices)
    stem = models.TextField("题干", max_length=1000)
    option_a = models.CharField("选项A", max_length=300, blank=True)
    option_b = models.CharField("选项B", max_length=300, blank=True)
    option_c = models.CharField("选项C", max_length=300, blank=True)
    option_d = models.CharField("选项D", max_length=300, blank=True)
    option_e = models.CharField("选项E", max_length=300, blank=True)
    option_f = models.CharField("选项F", max_length=300, blank=True)
    answer = models.CharField(
        "答案",
        max_length=500,
        help_text="单选填一个字母（B），多选填多个字母（ACD），判断填“正确”或“错误”，"
        "填空按空的顺序用 | 分隔，同一空可接受的几种写法用 / 分隔",
    )
    explanation = models.TextField("解析", blank=True, max_length=2000)
    difficulty = models.PositiveSmallIntegerField(
        "难度", choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    category = models.ForeignKey(
        QuestionCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        verbose_name="分类",
    )
    tags = TaggableManager(
        "标签", through=TaggedQuestion, blank=True, help_text="多个标签用逗号分隔"
    )
    source_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="出处",
        help_text="本题出自的课时或文件库中的文件（可不填）",
    )
    retired = models.BooleanField(
        "已停用", default=False, help_text="停用后不再出题，已有的答题记录不受影响"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "题库"
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["retired", "kind", "category", "difficulty"])]

    def __str__(self):
        stem = self.stem.replace("\n", " ")
        return f"[{self.get_kind_display()}] {stem[:40]}"

    @property
    def options(self) -> list[tuple[str, str]]:
        """(letter, text) of the options a member chooses from."""
        if self.kind == rules.JUDGE:
            return list(rules.JUDGE_OPTIONS)
        if self.kind == rules.FILL:
            return []
        return [
            (letter, text)
            for letter in rules.LETTERS
            if (text := getattr(self, f"option_{letter.lower()}").strip())
        ]

    def clean(self):
        options = {
            letter: getattr(self, f"option_{letter.lower()}")
            for letter in rules.LETTERS
        }
        try:
            rules.check_options(self.kind, options)
        except rules.AnswerKeyError as exc:
            raise ValidationError({"option_a": str(exc)}) from None
        try:
            self.answer = rules.normalise_key(
                self.kind, self.answer, "".join(letter for letter, _ in self.options)
            )
        except rules.AnswerKeyError as exc:
            raise ValidationError({"answer": str(exc)}) from None


class Exam(ClusterableModel):
    """A 随堂测验 after a lesson or a 结业考试 of a course: how questions are drawn,
    the time allowed, how many attempts, the pass mark."""

    class Kind(models.TextChoices):
        QUIZ = "quiz", "随堂测验"
        FINAL = "final", "结业考试"
        CONTEST = "contest", "知识竞赛"
        DAILY = "daily", "每日答题"

    class Mode(models.TextChoices):
        RULES = "rules", "按规则从题库抽题"
        FIXED = "fixed", "固定试题"

    title = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    lesson = models.ForeignKey(
        LessonPage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="课时",
        help_text="随堂测验：学完这一课时后参加",
    )
    course = models.ForeignKey(
        CoursePage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="课程",
        help_text="结业考试：通过后课程才算完成、计入学时",
    )
    organization = models.ForeignKey(
        "members.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="主办党组织",
        help_text="知识竞赛：主办的党组织；参赛范围不填时为它及其下级",
    )
    audience = models.ManyToManyField(
        "members.Organization",
        blank=True,
        related_name="+",
        verbose_name="参赛党组织",
        help_text="知识竞赛：这些党组织及其下级的党员可以参赛",
    )
    starts_at = models.DateTimeField("竞赛开始时间", null=True, blank=True)
    ends_at = models.DateTimeField(
        "竞赛结束时间",
        null=True,
        blank=True,
        help_text="到点服务器结束竞赛：未交的答卷按之前保存的答案评分，成绩随即公布",
    )
    intro = models.TextField("考试说明", blank=True, max_length=1000)
    mode = models.CharField(
        "出题方式", max_length=10, choices=Mode.choices, default=Mode.RULES
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        "答题时间（分钟）", default=20
    )
    max_attempts = models.PositiveSmallIntegerField(
        "可答次数", default=3, help_text="0 表示不限次数"
    )
    pass_score = models.PositiveSmallIntegerField(
        "及格分", default=60, help_text="满分 100 分，每题分值相同"
    )
    show_explanations = models.BooleanField("交卷后显示答案和解析", default=True)
    is_active = models.BooleanField("开放", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "考试"
        verbose_name_plural = "测验与考试"
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="quiz", lesson__isnull=False, course__isnull=True)
                    | Q(kind="final", course__isnull=False, lesson__isnull=True)
                    | Q(
                        kind="contest",
                        lesson__isnull=True,
                        course__isnull=True,
                        organization__isnull=False,
                        starts_at__isnull=False,
                        ends_at__isnull=False,
                    )
                    | Q(kind="daily", lesson__isnull=True, course__isnull=True)
                ),
                name="exams_exam_attached",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="daily"),
                name="exams_one_daily_exam",
                violation_error_message="每日答题只能有一个。",
            ),
            models.UniqueConstraint(
                fields=["lesson"],
                condition=Q(lesson__isnull=False),
                name="exams_one_quiz_per_lesson",
            ),
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(course__isnull=False),
                name="exams_one_final_per_course",
            ),
            models.CheckConstraint(
                condition=Q(pass_score__gte=1, pass_score__lte=100),
                name="exams_pass_score_range",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__gte=1, time_limit_minutes__lte=300),
                name="exams_time_limit_range",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.kind == self.Kind.QUIZ:
            if not self.lesson_id:
                errors["lesson"] = "随堂测验要选择课时"
            self.course = None
        elif self.kind == self.Kind.FINAL:
            if not self.course_id:
                errors["course"] = "结业考试要选择课程"
            self.lesson = None
        elif self.kind == self.Kind.CONTEST:
            self.lesson = self.course = None
            if not self.organization_id:
                errors["organization"] = "知识竞赛要选择主办党组织"
            if not self.starts_at:
                errors["starts_at"] = "请填写竞赛开始时间"
            if not self.ends_at:
                errors["ends_at"] = "请填写竞赛结束时间"
            elif self.starts_at and self.ends_at <= self.starts_at:
                errors["ends_at"] = "结束时间要晚于开始时间"
        elif self.kind == self.Kind.DAILY:
            self.lesson = self.course = None
        if not 1 <= (self.pass_score or 0) <= 100:
            errors["pass_score"] = "及格分应在 1 到 100 之间"  # noqa: S105
        if not 1 <= (self.time_limit_minutes or 0) <= 300:
            errors["time_limit_minutes"] = "答题时间应在 1 到 300 分钟之间"
        if errors:
            raise ValidationError(errors)

    @property
    def target_page(self):
        """The lesson or course page the exam belongs to (None for a contest)."""
        return self.lesson if self.kind == self.Kind.QUIZ else self.course

    @property
    def is_contest(self) -> bool:
        return self.kind == self.Kind.CONTEST

    def contest_phase(self, now=None) -> str:
        """'upcoming', 'open' or 'closed' (results published)."""
        now = now or timezone.now()
        if now < self.starts_at:
            return "upcoming"
        return "open" if now < self.ends_at else "closed"

    def results_published(self, now=None) -> bool:
        """Keys, explanations and final rankings: a contest's only after it closed."""
        return not self.is_contest or self.contest_phase(now) == "closed"

    @property
    def is_daily(self) -> bool:
        return self.kind == self.Kind.DAILY

    @property
    def course_page(self) -> CoursePage | None:
        if self.kind == self.Kind.FINAL:
            return self.course
        if self.kind in (self.Kind.CONTEST, self.Kind.DAILY):
            return None
        parent = self.lesson.get_parent() if self.lesson_id else None
        return parent.specific if parent else None

    @property
    def question_count(self) -> int:
        if self.mode == self.Mode.FIXED:
            return self.fixed_questions.count()
        return sum(rule.count for rule in self.draw_rules.all())


class ExamRule(Orderable):
    """Draw ``count`` active questions matching the type, category and difficulty."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="draw_rules")
    kind = models.CharField(
        "题型", max_length=10, choices=Question.Kind.choices, blank=True
    )
    category = models.ForeignKey(
        QuestionCategory,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="分类",
    )
    difficulty = models.PositiveSmallIntegerField(
        "难度", choices=Question.Difficulty.choices, null=True, blank=True
    )
    count = models.PositiveSmallIntegerField("题数", default=5)

    class Meta(Orderable.Meta):
        verbose_name = "抽题规则"
        verbose_name_plural = "抽题规则"

    def __str__(self):
        parts = [
            self.get_kind_display() if self.kind else "任意题型",
            self.category.name if self.category_id else "任意分类",
            self.get_difficulty_display() if self.difficulty else "任意难度",
        ]
        return f"{' / '.join(parts)} × {self.count}"

    def candidates(self):
        questions = Question.objects.active()
        if self.kind:
            questions = questions.filter(kind=self.kind)
        if self.category_id:
            questions = questions.filter(category_id=self.category_id)
        if self.difficulty:
            questions = questions.filter(difficulty=self.difficulty)
        return questions


class ExamQuestion(Orderable):
    """One question of a fixed exam."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="+", verbose_name="试题"
    )

    class Meta(Orderable.Meta):
        verbose_name = "固定试题"
        verbose_name_plural = "固定试题"


class AttemptQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)

    def open(self):
        return self.filter(submitted_at__isnull=True)


class Attempt(models.Model):
    """One member's sitting of an exam. The server's deadline is the only clock."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exam = models.ForeignKey(
        Exam, on_delete=models.CASCADE, related_name="attempts", verbose_name="考试"
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    number = models.PositiveSmallIntegerField("第几次")
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    deadline = models.DateTimeField("截止时间")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    timed_out = models.BooleanField("超时自动交卷", default=False)
    question_count = models.PositiveSmallIntegerField("题数", default=0)
    correct_count = models.PositiveSmallIntegerField("答对题数", default=0)
    score = models.PositiveSmallIntegerField("得分", null=True, blank=True)
    passed = models.BooleanField("及格", default=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        verbose_name = "答题记录"
        verbose_name_plural = "答题记录"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "member", "number"], name="exams_attempt_number_once"
            ),
            models.UniqueConstraint(
                fields=["exam", "member"],
                condition=Q(submitted_at__isnull=True),
                name="exams_one_open_attempt",
            ),
        ]
        indexes = [models.Index(fields=["exam", "submitted_at"])]

    def __str__(self):
        return f"{self.member_id}/{self.exam_id} #{self.number}"

    @property
    def seconds_taken(self) -> float | None:
        if self.submitted_at is None:
            return None
        return (self.submitted_at - self.started_at).total_seconds()

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    def seconds_left(self, now=None) -> int:
        now = now or timezone.now()
        return max(0, int((self.deadline - now).total_seconds()))


class AttemptAnswer(models.Model):
    """One question of an attempt: a copy of what was asked (options in the order this
    member sees them), the key, the member's response and when it was saved."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name="答卷"
    )
    position = models.PositiveSmallIntegerField("题号")
    question = models.ForeignKey(
        Question,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="试题",
    )
    kind = models.CharField("题型", max_length=10, choices=Question.Kind.choices)
    stem = models.TextField("题干")
    options = models.JSONField("选项（显示顺序）", default=list)
    key = models.CharField("答案", max_length=500)
    explanation = models.TextField("解析", blank=True)
    response = models.JSONField("作答", null=True, blank=True)
    saved_at = models.DateTimeField("保存时间", null=True, blank=True)
    correct = models.BooleanField("答对", null=True)

    class Meta:
        verbose_name = "作答"
        verbose_name_plural = "作答"
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="exams_answer_position_once"
            )
        ]
        indexes = [models.Index(fields=["question", "correct"])]

    def __str__(self):
        return f"{self.attempt_id}#{self.position}"

    @property
    def letters(self) -> str:
        return "".join(letter for letter, _ in self.options)

    @property
    def blanks(self) -> int:
        return rules.blank_count(self.kind, self.key)

    @property
    def key_display(self) -> str:
        return rules.key_display(self.kind, self.key)


class DailySet(models.Model):
    """每日答题: one member's questions of one day (Asia/Shanghai), an attempt of the
    每日答题 exam. One set per member and day is a database constraint."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    day = models.DateField("日期")
    attempt = models.OneToOneField(
        Attempt,
        on_delete=models.CASCADE,
        related_name="daily_set",
        verbose_name="答卷",
    )

    class Meta:
        verbose_name = "每日答题"
        verbose_name_plural = "每日答题"
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="exams_daily_once")
        ]

    def __str__(self):
        return f"{self.member_id} {self.day}"


class ExamReport(ReportPermissionModel):
    """No table: carries the permission to see exam statistics."""

    report_name = "考试统计"

    class Meta(ReportPermissionModel.Meta):
        permissions = [("view_exam_report", "查看考试统计")]


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)

    def within(self, organizations):
        return self.filter(organization__in=organizations)


class Certificate(models.Model):
    """结业证书: issued once per member and completed course, with the facts as they
    stood at issue. The serial (printed) and the token (in the QR code) are random, so
    neither can be guessed from another certificate's; revoking keeps the record."""

    serial = models.CharField("证书编号", max_length=24, unique=True, editable=False)
    token = models.CharField(max_length=32, unique=True, editable=False)
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    course = models.ForeignKey(
        CoursePage,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="课程",
    )
    organization = models.ForeignKey(
        "members.Organization",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="所在党组织",
    )
    member_name = models.CharField("姓名", max_length=50)
    course_title = models.CharField("课程名称", max_length=255)
    credit_hours = models.DecimalField("学时", max_digits=5, decimal_places=2)
    completed_on = models.DateField("结业日期")
    with_exam = models.BooleanField("通过结业考试", default=False)
    issuer = models.CharField("发证单位", max_length=100)
    issued_at = models.DateTimeField("发证时间", default=timezone.now)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="撤销人",
    )
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "结业证书"
        verbose_name_plural = "结业证书"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course"], name="exams_certificate_once"
            )
        ]
        permissions = [("revoke_certificate", "撤销结业证书")]

    def __str__(self):
        return f"{self.serial} {self.course_title}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def masked_name(self) -> str:
        return rules.mask_name(self.member_name)
