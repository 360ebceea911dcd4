"""Admin: 学习积分 → 积分规则 (edit points, daily cap, on/off) and 积分排行."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import admin_views
from .models import PointRule


class RulePolicy(ModelPermissionPolicy):
    """The kinds of rule are fixed in code: nobody adds or deletes one."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)


rule_policy = RulePolicy(PointRule)
register_permission_policy(PointRule, rule_policy, exact_class=True)


class PointRuleViewSet(ModelViewSet):
    model = PointRule
    icon = "pick"
    menu_label = "积分规则"
    menu_order = 340
    add_to_admin_menu = True
    permission_policy = rule_policy
    copy_view_enabled = False
    list_display = ["__str__", "points", "cap_display", "is_active", "updated_at"]
    form_fields = ["points", "daily_cap", "is_active", "sort_order"]


@hooks.register("register_admin_viewset")
def register_points_viewset():
    return PointRuleViewSet("points_rules", url_prefix="points/rules")


@hooks.register("register_admin_urls")
def register_points_admin_urls():
    return [path("points/ranking/", admin_views.ranking, name="points_ranking")]


class RankingMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view_ranking(request.user)


@hooks.register("register_admin_menu_item")
def register_ranking_menu_item():
    return RankingMenuItem(
        "积分排行", reverse("points_ranking"), icon_name="order", order=341
    )
