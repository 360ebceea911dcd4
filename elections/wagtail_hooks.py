"""Admin menu 投票计票 (scoped ViewSet with candidates inline), the control page and
its actions, and the log actions they write."""

from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from members.scoped_admin import (
    ScopedModelViewSet,
    register_log_actions,
    step_urls,
)

from . import admin_views
from .forms import ElectionForm
from .models import Election
from .permissions import election_policy, register_election_log_scope

LOG_ACTIONS = {
    "elections.open": ("启动投票", "启动了投票，确定了选举人名单"),
    "elections.close": ("结束投票", "结束了投票"),
    "elections.sign_off": ("确认计票结果", "确认了计票结果"),
    "elections.publish": ("生成结果公示", "生成了选举结果公示"),
    "elections.paper": ("录入纸质选票", "录入了现场投票的纸质选票"),
    "elections.paper_withdraw": ("撤销纸质选票", "撤销了纸质选票的录入"),
}

register_log_actions(LOG_ACTIONS)

register_permission_policy(Election, election_policy, exact_class=True)
register_election_log_scope()


class ElectionViewSet(ScopedModelViewSet):
    model = Election
    area = admin_views.election_admin
    icon = "tick-inverse"
    menu_label = "投票计票"
    menu_order = 345
    index_view_class = admin_views.ElectionIndexView
    add_view_class = admin_views.ElectionCreateView
    edit_view_class = admin_views.ElectionEditView
    base_form_class = ElectionForm


@hooks.register("register_admin_viewset")
def register_election_viewset():
    return ElectionViewSet("elections_admin", url_prefix="elections")


@hooks.register("register_admin_urls")
def register_election_admin_urls():
    return [
        path("elections/<int:pk>/manage/", admin_views.manage, name="elections_manage"),
        *step_urls("elections", admin_views.act, admin_views.ACTIONS),
        path("elections/<int:pk>/paper/", admin_views.paper, name="elections_paper"),
        path(
            "elections/<int:pk>/paper/withdraw/",
            admin_views.withdraw_paper,
            name="elections_paper_withdraw",
        ),
    ]
