"""Admin: the Video snippet (upload, status, retry), required-course assignments and
the study statistics report."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, IndexView, SnippetViewSet

from members.admin_views import ScopedUsageView

from . import admin_views
from .forms import CourseAssignmentForm, VideoForm
from .models import CourseAssignment, CourseCategory, Video
from .permissions import assignment_policy, register_assignment_log_scope
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

register_permission_policy(CourseAssignment, assignment_policy, exact_class=True)
register_assignment_log_scope()


class CourseAssignmentViewSet(ModelViewSet):
    """必修课指派: list with filters, assign, change, withdraw; within the user's scope."""

    model = CourseAssignment
    icon = "date"
    menu_label = "必修课指派"
    menu_order = 315
    add_to_admin_menu = True
    copy_view_enabled = False
    index_view_class = admin_views.AssignmentIndexView
    add_view_class = admin_views.AssignmentCreateView
    edit_view_class = admin_views.AssignmentEditView
    delete_view_class = admin_views.AssignmentDeleteView
    history_view_class = admin_views.AssignmentHistoryView
    usage_view_class = ScopedUsageView
    permission_policy = assignment_policy

    def get_form_class(self, for_update=False):
        return CourseAssignmentForm


@hooks.register("register_admin_viewset")
def register_course_assignment_viewset():
    return CourseAssignmentViewSet(
        "school_assignments", url_prefix="school/assignments"
    )


@hooks.register("register_admin_urls")
def register_school_admin_urls():
    return [
        path(
            "school/videos/<int:pk>/retry/",
            admin_views.retry_video,
            name="school_video_retry",
        ),
        path(
            "school/stats/",
            admin_views.StudyReportView.as_view(),
            name="school_study_report",
        ),
        path(
            "school/stats/results/",
            admin_views.StudyReportView.as_view(results_only=True),
            name="school_study_report_results",
        ),
    ]


class StudyReportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_report(request.user)


@hooks.register("register_admin_menu_item")
def register_study_report_menu_item():
    return StudyReportMenuItem(
        "学习统计", reverse("school_study_report"), icon_name="table", order=320
    )
