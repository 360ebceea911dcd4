"""Admin menu 考试测评 (question bank, categories, exams, statistics) and the hooks
through which exams join the school's pages and course completion."""

from django.urls import path, reverse
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
)
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import register_permission_policy

from . import admin_views, services, views
from .models import Certificate, Exam, Question, QuestionCategory
from .permissions import (
    ExamPermissionPolicy,
    certificate_policy,
    register_certificate_log_scope,
)


class QuestionIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)  # never the base class's shared list
        user = self.request.user
        if user.has_perm("exams.add_question"):
            buttons.append(
                HeaderButton("导入", url=reverse("exams_import"), icon_name="upload")
            )
        if user.has_perm("exams.view_question"):
            buttons.append(
                HeaderButton(
                    "导出 Excel",
                    url=reverse("exams_export") + "?format=xlsx",
                    icon_name="download",
                )
            )
        return buttons


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = "题库"
    menu_order = 100
    index_view_class = QuestionIndexView
    copy_view_enabled = True
    copy_view_class = admin_views.ShowOnlyCopyView
    inspect_view_enabled = True
    list_display = ["__str__", "category", "difficulty", "retired", "updated_at"]
    list_filter = ["kind", "category", "difficulty", "retired"]
    search_fields = ["stem", "explanation"]
    search_backend_name = None  # plain database lookups (icontains), no index
    list_per_page = 50
    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("difficulty")]),
        FieldPanel("stem"),
        MultiFieldPanel(
            [FieldPanel(f"option_{letter}") for letter in "abcdef"],
            heading="选项（单选、多选题填写；判断、填空题不用填）",
        ),
        FieldPanel("answer"),
        FieldPanel("explanation"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("tags")]),
        PageChooserPanel(
            "source_page", ["school.LessonPage", "library.PolicyDocumentPage"]
        ),
        FieldPanel("retired"),
    ]


class QuestionCategoryViewSet(ModelViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = "试题分类"
    menu_order = 110
    copy_view_class = admin_views.ShowOnlyCopyView
    list_display = ["name", "sort_order"]
    form_fields = ["name", "sort_order"]


exam_policy = ExamPermissionPolicy(Exam)
register_permission_policy(Exam, exam_policy, exact_class=True)


class ExamViewSet(ModelViewSet):
    """Quizzes and 结业考试 for every holder of the permissions; a 知识竞赛 only for
    staff whose part of the tree holds its 主办党组织 and 参赛党组织."""

    model = Exam
    permission_policy = exam_policy  # Wagtail's copy view checks it per instance too
    index_view_class = admin_views.ExamIndexView
    copy_view_class = admin_views.ShowOnlyCopyView
    edit_view_class = admin_views.ExamEditView
    delete_view_class = admin_views.ExamDeleteView
    history_view_class = admin_views.ExamHistoryView
    usage_view_class = admin_views.ExamUsageView
    icon = "tasks"
    menu_label = "测验与考试"
    menu_order = 120
    list_display = ["title", "kind", "mode", "pass_score", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("title"), FieldPanel("kind")]),
            FieldRowPanel(
                [
                    PageChooserPanel("lesson", ["school.LessonPage"]),
                    PageChooserPanel("course", ["school.CoursePage"]),
                ]
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("organization"), FieldPanel("audience")]),
                    FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                ],
                heading="知识竞赛（类型为知识竞赛时填写；可答次数即取最好成绩的次数）",
            ),
            FieldPanel("intro"),
            FieldRowPanel(
                [
                    FieldPanel("time_limit_minutes"),
                    FieldPanel("max_attempts"),
                    FieldPanel("pass_score"),
                ]
            ),
            FieldRowPanel([FieldPanel("show_explanations"), FieldPanel("is_active")]),
            FieldPanel("mode"),
            InlinePanel(
                "draw_rules", heading="抽题规则（按规则抽题时使用）", label="规则"
            ),
            InlinePanel(
                "fixed_questions", heading="固定试题（固定试题时使用）", label="试题"
            ),
        ],
        base_form_class=admin_views.ExamAdminForm,
    )


register_permission_policy(Certificate, certificate_policy, exact_class=True)
register_certificate_log_scope()


@hooks.register("register_log_actions")
def register_exams_log_actions(actions):
    actions.register_action(
        "exams.certificate_revoke", "撤销结业证书", "撤销了结业证书"
    )


class CertificateViewSet(ModelViewSet):
    """结业证书: list, inspect, history and revoke, within the user's part of the tree."""

    model = Certificate
    icon = "doc-full"
    menu_label = "结业证书"
    menu_order = 130
    permission_policy = certificate_policy
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.CertificateIndexView
    inspect_view_class = admin_views.CertificateInspectView
    history_view_class = admin_views.CertificateHistoryView
    form_fields = ["revoke_reason"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/revoke/", admin_views.revoke_certificate, name="revoke"),
        ]


class ExamsViewSetGroup(ModelViewSetGroup):
    menu_label = "考试测评"
    menu_icon = "tasks"
    menu_order = 330
    items = [
        QuestionViewSet("exams_questions", url_prefix="exams/questions"),
        QuestionCategoryViewSet("exams_categories", url_prefix="exams/categories"),
        ExamViewSet("exams_exams", url_prefix="exams/exams"),
        CertificateViewSet("exams_certificates", url_prefix="exams/certificates"),
    ]


@hooks.register("register_admin_viewset")
def register_exams_viewsets():
    return ExamsViewSetGroup()


@hooks.register("register_admin_urls")
def register_exams_admin_urls():
    return [
        path(
            "exams/import/",
            admin_views.QuestionImportView.as_view(),
            name="exams_import",
        ),
        path("exams/template.xlsx", admin_views.template, name="exams_template"),
        path("exams/export/", admin_views.export, name="exams_export"),
        path("exams/stats/", admin_views.exam_list, name="exams_stats"),
        path(
            "exams/stats/<int:pk>/", admin_views.exam_stats, name="exams_stats_detail"
        ),
    ]


class ExamStatsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_stats(request.user)


@hooks.register("register_admin_menu_item")
def register_exam_stats_menu_item():
    return ExamStatsMenuItem(
        "考试统计", reverse("exams_stats"), icon_name="table", order=331
    )


@hooks.register("school_completion_requirements")
def passed_final_exam(member_id, course):
    return services.has_passed_final(member_id, course)


@hooks.register("school_course_panels")
def course_exam_panel(course, request, member):
    return views.exam_panel(course, request, member)


@hooks.register("school_course_panels")
def course_certificate_panel(course, request, member):
    return views.certificate_panel(course, request, member)


@hooks.register("school_lesson_panels")
def lesson_quiz_panel(lesson, request, member):
    return views.exam_panel(lesson, request, member)


@hooks.register("school_index_links")
def school_daily_link(request, member):
    """每日答题 and 知识竞赛 beside 我的学习 on the school's front page, for members."""
    if member is None:
        return None
    return ("每日答题", reverse("exams:daily"))
