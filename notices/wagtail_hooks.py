"""Admin: 公示反馈 (scoped list, answer, history), its statistics, log actions."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from members.scoped_admin import register_log_actions

from . import admin_views
from .models import NoticeFeedback
from .permissions import feedback_policy, may_see_feedback, register_feedback_log_scope

LOG_ACTIONS = {
    "notices.feedback_submit": ("公示反馈提交", "收到意见反馈"),
    "notices.feedback_reply": ("答复公示反馈", "已答复意见反馈"),
    "notices.feedback_reply_change": ("修改反馈答复", "修改了意见反馈的答复"),
}

register_log_actions(LOG_ACTIONS)

register_permission_policy(NoticeFeedback, feedback_policy, exact_class=True)
register_feedback_log_scope()


class NoticeFeedbackViewSet(ModelViewSet):
    """公示反馈: feedback on the notices of the user's organisations."""

    model = NoticeFeedback
    icon = "comment"
    menu_label = "公示反馈"
    menu_order = 330
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["reply"]
    index_view_class = admin_views.FeedbackIndexView
    edit_view_class = admin_views.FeedbackEditView
    history_view_class = admin_views.FeedbackHistoryView
    permission_policy = feedback_policy

    def get_form_class(self, for_update=False):
        return admin_views.FeedbackReplyForm


@hooks.register("register_admin_viewset")
def register_feedback_viewset():
    return NoticeFeedbackViewSet("notices_feedback", url_prefix="notices/feedback")


@hooks.register("register_admin_urls")
def register_notice_admin_urls():
    return [
        path(
            "notices/statistics/",
            admin_views.feedback_statistics,
            name="notices_statistics",
        )
    ]


class StatisticsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_feedback(request.user)


@hooks.register("register_reports_menu_item")
def register_statistics_menu_item():
    return StatisticsMenuItem(
        "公示反馈统计",
        reverse("notices_statistics"),
        name="notices-statistics",
        icon_name="table",
        order=60,
    )
