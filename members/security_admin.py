"""The security log in the admin: read-only, for 站点管理员 and superusers only."""

from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .exports import ExportMixin
from .models import SecurityEvent
from .scopes import is_site_admin


class SecurityLogPermissionPolicy(ModelPermissionPolicy):
    """Only site admins may view; nobody may add, change or delete a log entry."""

    def user_has_permission(self, user, action):
        return action == "view" and is_site_admin(user)


register_permission_policy(
    SecurityEvent, SecurityLogPermissionPolicy(SecurityEvent), exact_class=True
)


class SecurityEventIndexView(ExportMixin, IndexView):
    """The log's list; its exports are formula-safe (a failed login's username is
    whatever was typed) and are themselves recorded."""

    def export_audit_detail(self, queryset, spreadsheet_format):
        return f"导出安全日志（{spreadsheet_format.upper()}）"


class SecurityEventViewSet(ModelViewSet):
    model = SecurityEvent
    index_view_class = SecurityEventIndexView
    icon = "lock"
    menu_label = "安全日志"
    add_to_settings_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "timestamp",
        "action",
        "username",
        "ip_address",
        Column("outcome", label="结果"),
        "detail",
    ]
    list_filter = ["action", "success", "timestamp"]
    search_fields = ["username", "ip_address", "detail"]
    list_export = ["timestamp", "action", "username", "ip_address", "outcome", "detail"]
    export_headings = {"outcome": "结果"}
    export_filename = "security-log"
    list_per_page = 50
    form_fields = ["detail"]  # never reachable: the policy forbids add and edit


@hooks.register("register_admin_viewset")
def register_security_log():
    return SecurityEventViewSet("security_log")
