"""Admin menu 组织与党员: the organisation tree, members and 组织管理员 assignments."""

from django.db import models
from django.urls import path
from wagtail import hooks
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.models import ModelLogEntry
from wagtail.permissions import register_permission_policy

from . import admin_views
from .accounts import admin_hooks  # noqa: F401  (activation codes, password flags)
from .forms import AdminScopeForm, MemberForm, OrganizationEditForm, OrganizationForm
from .models import AdminScope, Member, Organization, ScopedModelLogEntry
from .permissions import member_policy, organization_policy

register_permission_policy(Member, member_policy, exact_class=True)
register_permission_policy(Organization, organization_policy, exact_class=True)


@hooks.register("register_log_actions", order=100)
def log_objects_through_scopes(actions):
    """Every non-page object is logged to, and read from, ScopedModelLogEntry.

    Runs after Wagtail's own registration (order 0) and replaces ModelLogEntry, which
    shares its table and would otherwise show scoped entries by model permission.
    """
    actions.register_model(models.Model, ScopedModelLogEntry)
    actions.log_entry_models.discard(ModelLogEntry)


class OrganizationViewSet(ModelViewSet):
    model = Organization
    icon = "site"
    menu_label = "党组织"
    menu_order = 100
    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = admin_views.OrganizationIndexView
    add_view_class = admin_views.OrganizationCreateView
    edit_view_class = admin_views.OrganizationEditView
    delete_view_class = admin_views.OrganizationDeleteView
    history_view_class = admin_views.ScopedHistoryView
    usage_view_class = admin_views.ScopedUsageView
    list_filter = ["kind"]

    def get_form_class(self, for_update=False):
        return OrganizationEditForm if for_update else OrganizationForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "move/<int:pk>/",
                admin_views.OrganizationMoveView.as_view(),
                name="move",
            ),
        ]


class MemberViewSet(ModelViewSet):
    model = Member
    icon = "user"
    menu_label = "党员"
    menu_order = 200
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "real_name",
        "member_no",
        "organization",
        "party_post",
        "joined_party_on",
        "phone",
        "user",
    ]
    index_view_class = admin_views.MemberIndexView
    add_view_class = admin_views.MemberCreateView
    edit_view_class = admin_views.MemberEditView
    delete_view_class = admin_views.MemberDeleteView
    inspect_view_class = admin_views.MemberInspectView
    history_view_class = admin_views.ScopedHistoryView
    usage_view_class = admin_views.ScopedUsageView

    def get_form_class(self, for_update=False):
        return MemberForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", admin_views.MemberImportView.as_view(), name="import"),
        ]


class AdminScopeViewSet(ModelViewSet):
    model = AdminScope
    icon = "key"
    menu_label = "组织管理员"
    menu_order = 300
    copy_view_enabled = False
    add_view_class = admin_views.AdminScopeCreateView
    delete_view_class = admin_views.AdminScopeDeleteView
    list_display = ["user_display", "organization", "created_at"]

    def get_form_class(self, for_update=False):
        return AdminScopeForm

    list_filter = ["organization"]
    search_fields = ["user__username", "organization__name"]


class MembersViewSetGroup(ModelViewSetGroup):
    menu_label = "组织与党员"
    menu_icon = "group"
    menu_order = 250
    items = [
        OrganizationViewSet("members_organizations", url_prefix="organizations"),
        MemberViewSet("members_members", url_prefix="members"),
        AdminScopeViewSet("members_admin_scopes", url_prefix="admin-scopes"),
    ]


@hooks.register("register_admin_viewset")
def register_members_viewsets():
    return MembersViewSetGroup()


class MembersSummaryItem(SummaryItem):
    """Dashboard line: members and organisations within the user's scope."""

    order = 150
    template_name = "members/admin/site_summary_members.html"

    def get_context_data(self, parent_context):
        user = self.request.user
        return {
            "member_count": member_policy.instances_user_has_any_permission_for(
                user, ["view"]
            ).count(),
            "organization_count": organization_policy.instances_user_has_any_permission_for(
                user, ["view"]
            ).count(),
        }

    def is_shown(self):
        return member_policy.user_has_permission(self.request.user, "view")


@hooks.register("construct_homepage_summary_items")
def add_members_summary(request, summary_items):
    summary_items.append(MembersSummaryItem(request))
