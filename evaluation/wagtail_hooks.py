"""Admin menu 民主评议党员 (scoped ViewSet), the control page and its actions, and
the log actions they write."""

from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from members.scoped_admin import (
    ScopedModelViewSet,
    register_log_actions,
    step_urls,
)

from . import admin_views
from .forms import RoundForm
from .models import Round
from .permissions import register_round_log_scope, round_policy

LOG_ACTIONS = {
    "evaluation.open": ("启动民主评议", "启动了民主评议，确定了参评党员名单"),
    "evaluation.self": ("填写自我评价", "填写了自我评价"),
    "evaluation.self_edit": ("修改自我评价", "修改了自我评价"),
    "evaluation.rate": ("提交评价", "提交了一份评价"),
    "evaluation.rate_edit": ("修改评价", "修改了一份评价"),
    "evaluation.end_rating": ("截止评议", "提前截止了评议"),
    "evaluation.confirm": ("确认评议结果", "确认了一名党员的评议结果"),
    "evaluation.revise": ("修改评议结果", "修改了一名党员的评议结果"),
    "evaluation.close": ("结束民主评议", "结束了民主评议，结果已确定"),
    "evaluation.export": ("导出评议结果", "导出了评议结果"),
    "evaluation.view_raters": ("查看评价人", "查看了评价明细（含评价人）"),
}

register_log_actions(LOG_ACTIONS)

register_permission_policy(Round, round_policy, exact_class=True)
register_round_log_scope()


class RoundViewSet(ScopedModelViewSet):
    model = Round
    area = admin_views.round_admin
    icon = "group"
    menu_label = "民主评议党员"
    menu_order = 346
    index_view_class = admin_views.RoundIndexView
    add_view_class = admin_views.RoundCreateView
    edit_view_class = admin_views.RoundEditView
    base_form_class = RoundForm


@hooks.register("register_admin_viewset")
def register_round_viewset():
    return RoundViewSet("evaluation_admin", url_prefix="evaluation")


@hooks.register("register_admin_urls")
def register_evaluation_admin_urls():
    return [
        path(
            "evaluation/<int:pk>/manage/", admin_views.manage, name="evaluation_manage"
        ),
        *step_urls("evaluation", admin_views.act, admin_views.ACTIONS),
        path(
            "evaluation/<int:pk>/confirm/",
            admin_views.confirm,
            name="evaluation_confirm",
        ),
        path(
            "evaluation/<int:pk>/raters/", admin_views.raters, name="evaluation_raters"
        ),
    ]
