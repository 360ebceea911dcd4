"""Admin: the Video snippet (upload, status, retry) and the study statistics report."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, IndexView, SnippetViewSet

from . import admin_views
from .forms import VideoForm
from .models import CourseCategory, Video
from .services import queue_transcode


class VideoCreateView(CreateView):
    def save_instance(self):
        instance = super().save_instance()
        if instance.uploaded_by_id is None:
            Video.objects.filter(pk=instance.pk).update(uploaded_by=self.request.user)
        queue_transcode(instance)
        return instance


class VideoIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status in (Video.Status.FAILED, Video.Status.PENDING):
            buttons.append(
                ListingButton(
                    "重新转码",
                    url=reverse("school_video_retry", args=[instance.pk]),
                    icon_name="rotate",
                    priority=5,
                )
            )
        return buttons


class StatusColumn(Column):
    """Status with percent while transcoding and the reason when it failed."""

    cell_template_name = "school/admin/video_status_cell.html"


class VideoViewSet(SnippetViewSet):
    model = Video
    icon = "media"
    menu_label = "课程视频"
    menu_order = 310
    add_to_admin_menu = True
    add_view_class = VideoCreateView
    index_view_class = VideoIndexView
    list_display = [
        "title",
        StatusColumn("status", label="状态", accessor="status_label"),
        "duration",
        "height",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("source"),
            MultiFieldPanel(
                [
                    FieldPanel("status", read_only=True),
                    FieldPanel("progress_percent", read_only=True),
                    FieldPanel("error", read_only=True),
                    FieldPanel("duration", read_only=True),
                    FieldPanel("height", read_only=True),
                ],
                heading="转码状态",
            ),
        ],
        base_form_class=VideoForm,
    )


class CourseCategoryViewSet(SnippetViewSet):
    model = CourseCategory
    icon = "folder-open-inverse"
    menu_label = "课程分类"
    add_to_admin_menu = False


register_snippet(VideoViewSet)
register_snippet(CourseCategoryViewSet)


@hooks.register("register_admin_urls")
def register_school_admin_urls():
    return [
        path(
            "school/videos/<int:pk>/retry/",
            admin_views.retry_video,
            name="school_video_retry",
        ),
        path("school/stats/", admin_views.study_report, name="school_study_report"),
    ]


class StudyReportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_report(request.user)


@hooks.register("register_admin_menu_item")
def register_study_report_menu_item():
    return StudyReportMenuItem(
        "学习统计", reverse("school_study_report"), icon_name="table", order=320
    )
