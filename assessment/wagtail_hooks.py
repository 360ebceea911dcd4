"""Admin menu 网上考核 (plans ViewSet and the history of reports), the plan and report
pages and their actions, and the log actions they write."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from members.scoped_admin import (
    ScopedModelViewSet,
    register_log_actions,
    step_urls,
)

from . import admin_views
from .forms import PlanForm
from .models import AssessmentPlan
from .permissions import (
    may_use_assessment,
    plan_policy,
    register_assessment_log_scopes,
)

LOG_ACTIONS = {
    "assessment.issue": ("下发考核任务", "下发了考核任务"),
    "assessment.report": ("报送考核任务", "报送了考核任务完成情况"),
    "assessment.score": ("考核评分", "对考核任务评了分"),
    "assessment.return": ("退回补充材料", "退回考核任务，要求补充材料"),
    "assessment.close": ("结束考核", "结束了考核，确定了排名和等次"),
    "assessment.publish": ("生成考核结果公示", "生成了考核结果公示"),
    "assessment.rank_members": ("评定党员等次", "结束考核时评定了本组织党员的等次"),
}

register_log_actions(LOG_ACTIONS)

register_permission_policy(AssessmentPlan, plan_policy, exact_class=True)
register_assessment_log_scopes()


class PlanViewSet(ScopedModelViewSet):
    model = AssessmentPlan
    area = admin_views.plan_admin
    icon = "list-ol"
    menu_label = "网上考核"
    menu_order = 346
    index_view_class = admin_views.PlanIndexView
    add_view_class = admin_views.PlanCreateView
    edit_view_class = admin_views.PlanEditView
    base_form_class = PlanForm

    @property
    def menu_item_class(self):
        return AssessmentMenuItem


@hooks.register("register_admin_viewset")
def register_plan_viewset():
    return PlanViewSet("assessment_admin", url_prefix="assessment")


class AssessmentMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_assessment(request.user)


@hooks.register("register_admin_menu_item")
def register_history_menu_item():
    return AssessmentMenuItem(
        "考核结果", reverse("assessment_history"), icon_name="history", order=347
    )


@hooks.register("register_admin_urls")
def register_assessment_admin_urls():
    views = admin_views
    return [
        path("assessment-results/", views.history, name="assessment_history"),
        path("assessment/<int:pk>/plan/", views.plan_detail, name="assessment_plan"),
        path(
            "assessment/<int:pk>/members/",
            views.plan_members,
            name="assessment_members",
        ),
        *step_urls("assessment", views.act, views.PLAN_ACTIONS),
        path(
            "assessment/<int:pk>/export/",
            views.ResultsExport.as_view(),
            name="assessment_export",
        ),
        path(
            "assessment/reports/<int:pk>/",
            views.report_detail,
            name="assessment_report",
        ),
        path(
            "assessment/reports/<int:pk>/items/<int:item_pk>/submit/",
            views.submit_item,
            name="assessment_submit",
        ),
        path(
            "assessment/reports/<int:pk>/items/<int:item_pk>/score/",
            views.score_item,
            name="assessment_score",
        ),
        path(
            "assessment/reports/<int:pk>/items/<int:item_pk>/return/",
            views.return_item,
            name="assessment_return",
        ),
        path(
            "assessment/reports/<int:pk>/evidence/<int:evidence_pk>/",
            views.evidence,
            name="assessment_evidence",
        ),
    ]
