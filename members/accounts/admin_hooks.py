"""Admin registrations of accounts (imported by members.wagtail_hooks)."""

from django.urls import path
from wagtail import hooks

from . import services
from .admin_views import IssueActivationBulkAction, OrganizationIssueView

hooks.register("register_bulk_action", IssueActivationBulkAction)


@hooks.register("register_admin_urls")
def register_activation_urls():
    return [
        path(
            "members/activation/organization/<int:pk>/",
            OrganizationIssueView.as_view(),
            name="members_activation_organization",
        ),
    ]


def _password_set_in_user_admin(request, user):
    if request.method == "POST" and request.POST.get("password1"):
        services.password_set_by_admin(user, by=request.user, request=request)


@hooks.register("after_create_user")
def flag_password_of_new_user(request, user):
    """A password typed in by an administrator is only for the first login."""
    _password_set_in_user_admin(request, user)


@hooks.register("after_edit_user")
def flag_password_set_by_admin(request, user):
    _password_set_in_user_admin(request, user)
