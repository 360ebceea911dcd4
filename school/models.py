"""Videos, courses and lessons, and what members watched of them."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from members.models import Member, Organization, ReportPermissionModel
from pagecache.cache import KnownRestrictionsMixin

from . import progress


class VideoStorage(FileSystemStorage):
    """Video sources stay on local disk whatever MEDIA_STORAGE says: ffmpeg reads them
    from a path, and they are never served. PORTAL_VIDEO_ROOT (default MEDIA_ROOT)
    must be one volume shared by web and task hosts when there are several."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, video_root())

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PORTAL_VIDEO_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def video_root() -> Path:
    """Where video sources and transcoded output live."""
    return Path(settings.PORTAL_VIDEO_ROOT or settings.MEDIA_ROOT)


_video_storage = VideoStorage()


def video_storage() -> VideoStorage:
    return _video_storage


def source_upload_path(instance: Video, filename: str) -> str:
    """Stored sources get a random name and an extension from their probed container."""
    extension = instance.source_extension or "bin"
    return f"school/sources/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class VideoQuerySet(models.QuerySet):
    def ready(self):
        return self.filter(status=Video.Status.READY)

    def stalled(self, stall_seconds: int):
        """Transcodes whose progress has not moved for stall_seconds (a dead worker)."""
        cutoff = timezone.now() - datetime.timedelta(seconds=stall_seconds)
        return self.filter(status=Video.Status.PROCESSING).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
        )


class Video(index.Indexed, models.Model):
    """An uploaded video and the streamable files made from it."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        PROCESSING = "processing", "转码中"
        READY = "ready", "已就绪"
        FAILED = "failed", "失败"

    title = models.CharField("标题", max_length=200)
    source = models.FileField(
        "视频文件",
        upload_to=source_upload_path,
        storage=video_storage,
        max_length=255,
    )
    source_size = models.BigIntegerField("文件大小", default=0, editable=False)
    source_extension = models.CharField(max_length=8, blank=True, editable=False)
    container = models.CharField("容器格式", max_length=20, blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PENDING
    )
    progress_percent = models.PositiveSmallIntegerField("进度", default=0)
    error = models.TextField("失败原因", blank=True)
    duration = models.FloatField("时长（秒）", null=True, blank=True)
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    video_codec = models.CharField("视频编码", max_length=30, blank=True)
    audio_codec = models.CharField("音频编码", max_length=30, blank=True)
    output_dir = models.CharField(max_length=255, blank=True, editable=False)
    hls_master = models.CharField("HLS 主播放列表", max_length=255, blank=True)
    mp4_fallback = models.CharField("MP4 备用文件", max_length=255, blank=True)
    poster = models.CharField("封面帧", max_length=255, blank=True)
    thumbnails = models.JSONField("缩略图", default=list, blank=True)
    renditions = models.JSONField("清晰度", default=list, blank=True)
    # A transcode run owns the video while its lease is current; progress refreshes
    # heartbeat_at, so a run whose worker died is recognised and re-queued.
    lease = models.CharField(max_length=32, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="上传人",
        editable=False,
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = VideoQuerySet.as_manager()

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = "视频"
        verbose_name_plural = "视频"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def status_label(self) -> str:
        if self.status == self.Status.PROCESSING:
            return f"转码中 {self.progress_percent}%"
        return self.get_status_display()

    def file_url(self, name: str) -> str:
        """URL of one transcoded file, served by school.views.video_file."""
        if not name:
            return ""
        return reverse("school:video_file", args=[self.pk, self.output_dir_token, name])

    @property
    def output_dir_token(self) -> str:
        return self.output_dir.rsplit("/", 1)[-1] if self.output_dir else ""

    @property
    def hls_url(self) -> str:
        return self.file_url(self.hls_master)

    @property
    def mp4_url(self) -> str:
        return self.file_url(self.mp4_fallback)

    @property
    def poster_url(self) -> str:
        return self.file_url(self.poster)


class CourseCategory(models.Model):
    """A shelf of the course catalogue, e.g. 党的理论 or 党规党纪."""

    name = models.CharField("名称", max_length=50, unique=True)
    sort_order = models.IntegerField("排序", default=0)

    panels = [FieldPanel("name"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = "课程分类"
        verbose_name_plural = "课程分类"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class SchoolIndexPage(KnownRestrictionsMixin, Page):
    """The course catalogue (网上党校): categories, filters, the member's own study."""

    intro = RichTextField("简介", blank=True, features=["bold", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["school.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = "网上党校"

    def get_context(self, request, *args, **kwargs):
        from .page_context import catalogue_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_context(self, request))
        return context


class CoursePageForm(WagtailAdminPageForm):
    """Refuses a slug whose address the school's own routes (/school/me/ …) answer."""

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or ""
        parent = self.parent_page
        if slug and parent is not None:
            parts = parent.get_url_parts()
            if parts is not None:
                try:
                    match = resolve(f"{parts[2]}{slug}/")
                except Resolver404:
                    match = None
                if match is not None and match.url_name != "wagtail_serve":
                    raise ValidationError(
                        f"网址「{slug}」已被网上党校的功能页面占用，请换一个。"
                    )
        return slug


class CoursePage(KnownRestrictionsMixin, Page):
    """A course: ordered lessons, an audience and its 学时."""

    class Kind(models.TextChoices):
        REQUIRED = "required", "必修"
        ELECTIVE = "elective", "选修"

    summary = models.TextField("简介", blank=True)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="封面",
    )
    lecturer = models.CharField("主讲人", max_length=100, blank=True)
    category = models.ForeignKey(
        CourseCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
        verbose_name="分类",
    )
    kind = models.CharField(
        "类型", max_length=10, choices=Kind.choices, default=Kind.REQUIRED
    )
    audience_all = models.BooleanField(
        "面向全体党员", default=True, help_text="不勾选时只面向下面选中的党组织"
    )
    audience_organizations = ParentalManyToManyField(
        Organization,
        blank=True,
        related_name="+",
        verbose_name="面向的党组织",
        help_text="包含其下级组织",
    )
    credit_hours = models.DecimalField(
        "学时",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="留空时按视频总时长计：30 分钟及以上 1 学时，15–30 分钟 0.5 学时，"
        "15 分钟以下 0.25 学时",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldRowPanel([FieldPanel("lecturer"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("credit_hours")]),
        MultiFieldPanel(
            [FieldPanel("audience_all"), FieldPanel("audience_organizations")],
            heading="学习对象",
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("lecturer"),
    ]
    parent_page_types = ["school.SchoolIndexPage"]
    subpage_types = ["school.LessonPage"]
    base_form_class = CoursePageForm

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"

    @cached_property
    def lessons(self) -> list[LessonPage]:
        return list(
            LessonPage.objects.child_of(self)
            .live()
            .select_related("video")
            .order_by("path")
        )

    @property
    def total_duration(self) -> float:
        return sum((lesson.duration or 0) for lesson in self.lessons)

    @property
    def effective_credit_hours(self) -> Decimal:
        """The 学时 a completion earns: the override, else the default from duration."""
        if self.credit_hours is not None:
            return self.credit_hours
        return progress.credit_hours(
            self.total_duration, settings.PORTAL_SCHOOL_CREDIT_RULES
        )

    def is_for(self, member: Member | None) -> bool:
        """Whether the course is meant for the member (by audience)."""
        if self.audience_all or member is None:
            return self.audience_all
        paths = [org.path for org in self.audience_organizations.all()]
        return any(member.organization.path.startswith(path) for path in paths)

    def get_context(self, request, *args, **kwargs):
        from .page_context import course_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_context(self, request))
        return context


class LessonPage(KnownRestrictionsMixin, Page):
    """One lesson of a course: a video, optional slides/attachments and transcript."""

    video = models.ForeignKey(
        Video,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        verbose_name="视频",
    )
    summary = models.TextField("简介", blank=True)
    attachments = StreamField(
        [("document", DocumentChooserBlock(label="文件"))],
        blank=True,
        verbose_name="课件与附件",
    )
    transcript = RichTextField(
        "文字稿", blank=True, features=["h3", "bold", "ol", "ul"]
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("video"),
        FieldPanel("summary"),
        FieldPanel("attachments"),
        FieldPanel("transcript"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("transcript"),
    ]
    parent_page_types = ["school.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "课时"
        verbose_name_plural = "课时"

    @property
    def duration(self) -> float | None:
        return self.video.duration if self.video_id and self.video else None

    @property
    def duration_label(self) -> str:
        """The video length as 分/秒 for lesson lists."""
        seconds = round(self.duration or 0)
        if not seconds:
            return ""
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes} 分 {seconds:02d} 秒" if minutes else f"{seconds} 秒"

    def get_context(self, request, *args, **kwargs):
        from .page_context import lesson_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context(self, request))
        return context


class LessonProgress(models.Model):
    """What one member watched of one lesson: merged intervals, position, completion."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="+", verbose_name="课时"
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="+", verbose_name="课程"
    )
    intervals = models.JSONField(default=list)
    watched_seconds = models.FloatField("已学秒数", default=0)
    last_position = models.FloatField("上次位置", default=0)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    last_beat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "学习进度"
        verbose_name_plural = "学习进度"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "lesson"], name="school_progress_once"
            )
        ]
        indexes = [models.Index(fields=["member", "course"])]

    def __str__(self):
        return f"{self.member_id}/{self.lesson_id}: {self.watched_seconds:.0f}s"


class StudyClock(models.Model):
    """A member's heartbeat clock, shared by all their lessons, tabs and devices.

    The database path of the heartbeat (no Redis) locks this row for each heartbeat:
    `last_credit_at` is the server time of the member's previous credited heartbeat,
    so parallel requests cannot claim the same elapsed time twice
    (`school.progress.admit_heartbeat`). With Redis the same clock lives there.
    """

    member = models.OneToOneField(
        Member,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="党员",
    )
    last_credit_at = models.DateTimeField(null=True, blank=True)
    accruing_lesson_id = models.BigIntegerField(null=True, blank=True)
    accruing_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "学习计时"
        verbose_name_plural = "学习计时"

    def __str__(self):
        return f"{self.member_id}: {self.last_credit_at}"


class HeartbeatFold(models.Model):
    """How far the heartbeats buffered in a Redis stream were folded into the database.

    Written in the transaction that writes the folded progress, so a fold killed
    before it removed its beats from Redis cannot fold them again.
    """

    stream = models.CharField(max_length=200, primary_key=True)
    last_id = models.CharField(max_length=40, blank=True)
    folded = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "学习心跳入库进度"
        verbose_name_plural = "学习心跳入库进度"

    def __str__(self):
        return f"{self.stream}: {self.last_id}"


class CourseCompletion(models.Model):
    """A member finished every lesson of a course: the 学时 it earned, when."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="+", verbose_name="课程"
    )
    completed_at = models.DateTimeField("完成时间", default=timezone.now)
    year = models.PositiveSmallIntegerField("年度")
    credit_hours = models.DecimalField("学时", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "课程完成记录"
        verbose_name_plural = "课程完成记录"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course"], name="school_course_once"
            )
        ]
        indexes = [
            models.Index(fields=["member", "year"]),
            models.Index(fields=["year", "course"]),
        ]

    def __str__(self):
        return f"{self.member_id}/{self.course_id} {self.year}"


class StudyDay(models.Model):
    """Seconds of new video a member watched on one day (for charts and participation)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    day = models.DateField("日期")
    seconds = models.FloatField("秒数", default=0)

    class Meta:
        verbose_name = "每日学习时长"
        verbose_name_plural = "每日学习时长"
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="school_day_once")
        ]
        indexes = [models.Index(fields=["day", "member"])]

    def __str__(self):
        return f"{self.member_id} {self.day}"


class StudyYear(models.Model):
    """One member's year in numbers, kept beside the records it sums for fast reports.

    Carries the member's 党组织 and whether they are a secretary (their target), so a
    report aggregates this table alone. Updated in the same transaction as a course
    completion or a member's first study of a day, and when the member moves;
    `school.stats.rebuild_study_years` recomputes it from the records.
    """

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name="党员"
    )
    year = models.PositiveSmallIntegerField("年度")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name="党组织"
    )
    secretary = models.BooleanField("书记", default=False)
    hours = models.DecimalField("学时", max_digits=7, decimal_places=2, default=0)
    courses = models.PositiveIntegerField("完成课程数", default=0)
    study_days = models.PositiveIntegerField("学习天数", default=0)

    class Meta:
        verbose_name = "年度学习汇总"
        verbose_name_plural = "年度学习汇总"
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="school_year_once")
        ]
        indexes = [
            models.Index(fields=["year", "organization"]),
            models.Index(fields=["year", "-hours", "member"]),
        ]

    def __str__(self):
        return f"{self.member_id} {self.year}: {self.hours}"


class CourseYearCount(models.Model):
    """Completions of a course in a year by members of one 党组织 (for the course report).

    Counted under the 党组织 of the member's StudyYear row of that year, and moved
    with it when the member moves.
    """

    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="+", verbose_name="课程"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    completions = models.IntegerField("完成人数", default=0)

    class Meta:
        verbose_name = "课程年度完成人数"
        verbose_name_plural = "课程年度完成人数"
        constraints = [
            models.UniqueConstraint(
                fields=["course", "organization", "year"], name="school_count_once"
            )
        ]
        indexes = [models.Index(fields=["year", "organization"])]

    def __str__(self):
        return (
            f"{self.course_id}/{self.organization_id} {self.year}: {self.completions}"
        )


class StudyReport(ReportPermissionModel):
    """No table: carries the permission to see study statistics."""

    report_name = "学习统计"

    class Meta(ReportPermissionModel.Meta):
        permissions = [("view_study_report", "查看学习统计")]


class CourseAssignmentQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization):
        """Assignments that reach the organisation: made to it or to one above it."""
        step = Organization.steplen
        paths = [
            organization.path[:depth]
            for depth in range(step, len(organization.path) + 1, step)
        ]
        return self.filter(organizations__path__in=paths).distinct()

    def within(self, organizations):
        """Assignments whose every organisation lies in the given queryset."""
        return self.exclude(
            organizations__in=Organization.objects.exclude(
                pk__in=organizations.values("pk")
            )
        )


class CourseAssignment(models.Model):
    """必修: a course members of some organisations (and all below them) must finish
    by a deadline. Made by a 党校管理员 within their organisation scope."""

    course = models.ForeignKey(
        CoursePage,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name="课程",
    )
    organizations = models.ManyToManyField(
        Organization,
        related_name="+",
        verbose_name="指派给",
        help_text="所选组织及其全部下级组织的党员都须学习",
    )
    deadline = models.DateField("截止日期")
    note = models.CharField("学习要求", max_length=200, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="指派人",
        editable=False,
    )
    created_at = models.DateTimeField("指派时间", auto_now_add=True)

    objects = CourseAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "必修课指派"
        verbose_name_plural = "必修课指派"
        ordering = ["-deadline", "-pk"]
        indexes = [models.Index(fields=["deadline"])]

    def __str__(self):
        return f"{self.course.title}（{self.deadline:%Y-%m-%d} 截止）"

    @property
    def is_past_deadline(self) -> bool:
        return self.deadline < timezone.localdate()


def _default_member_target() -> int:
    return settings.PORTAL_SCHOOL_YEARLY_TARGET


def _default_secretary_target() -> int:
    return settings.PORTAL_SCHOOL_SECRETARY_YEARLY_TARGET


@register_setting(icon="pick")
class SchoolSettings(BaseGenericSetting):
    """The yearly 学时 each member must reach, set by the organisation running the site.

    Statistics and 我的学习 rate members and branches against these (school.stats);
    the first values come from PORTAL_SCHOOL_YEARLY_TARGET and
    PORTAL_SCHOOL_SECRETARY_YEARLY_TARGET.
    """

    member_yearly_target = models.PositiveSmallIntegerField(
        "党员年度学时要求",
        default=_default_member_target,
        help_text="每名党员每年应完成的网上学习学时",
    )
    secretary_yearly_target = models.PositiveSmallIntegerField(
        "支部书记年度学时要求",
        default=_default_secretary_target,
        help_text="党组织书记、副书记每年应完成的学时",
    )

    panels = [FieldPanel("member_yearly_target"), FieldPanel("secretary_yearly_target")]

    class Meta:
        verbose_name = "党校设置"
        verbose_name_plural = "党校设置"

    def target(self, secretary: bool) -> int:
        return self.secretary_yearly_target if secretary else self.member_yearly_target
