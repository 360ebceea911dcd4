"""Admin pages of the objects an organisation owns and its staff run within their
scope (votes, 民主评议 rounds, surveys, 网上考核 plans, 公示反馈).

An app describes its area once (``AdminArea``: who may open it at all, the policy
deciding each object, the organisations a form may post) and builds on what is here:
a ViewSet whose list, create, edit, delete and history views apply the area's checks
(``ScopedModelViewSet``), the loading of one object for the app's own pages
(``AdminArea.load``) and one step of a control page (``run_action``). Each app keeps
only what is its own: columns, control pages, messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from home.params import id_param

from .admin_views import (
    ChineseCreateMixin,
    ScopedHistoryView,
    ScopedObjectMixin,
    out_of_scope_response,
)
from .models import Organization
from .reports import forbidden
from .scopes import organizations_for

MAX_POSTED_ORGANIZATIONS = 200


@dataclass(frozen=True)
class AdminArea:
    """One app's admin pages: who may open them at all (``may_use``; anyone else gets
    a 403 page saying ``message`` and ``hint``), the permission policy deciding each
    object, the query parameters that must be ids where present (``query_ids``: the
    history's user filter), and the organisations a form posts (fields of one id,
    fields of several), which must lie within the user's scope."""

    may_use: Callable[[Any], bool]
    policy: Any
    message: str
    hint: str
    query_ids: tuple[str, ...] = ("user",)
    organization_fields: tuple[str, ...] = ("organization",)
    organization_list_fields: tuple[str, ...] = ()

    def forbidden(self, request: HttpRequest) -> TemplateResponse:
        """The area's 403 page (Wagtail would redirect to the dashboard)."""
        return forbidden(request, self.message, self.hint)

    def load(self, request: HttpRequest, queryset, pk: int, action: str = "view"):
        """The object if the user may take the action on it; else the 403 page (of
        the area, or out of scope) to return. An unknown pk is a 404."""
        if not self.may_use(request.user):
            return self.forbidden(request)
        obj = get_object_or_404(queryset, pk=pk)
        if not self.policy.user_has_permission_for_instance(request.user, action, obj):
            return out_of_scope_response(request)
        return obj

    def posted_organizations(self, request: HttpRequest) -> list[int]:
        """The organisation ids the request's form names."""
        ids = [id_param(request.POST, name) for name in self.organization_fields]
        for name in self.organization_list_fields:
            ids += [
                id_param({name: raw}, name)
                for raw in request.POST.getlist(name)[:MAX_POSTED_ORGANIZATIONS]
            ]
        return [pk for pk in ids if pk]

    def posts_outside_scope(self, request: HttpRequest) -> bool:
        """Whether a post names an organisation outside the user's scope (the form
        would only call the choice invalid)."""
        if request.method != "POST":
            return False
        ids = self.posted_organizations(request)
        return bool(ids) and (
            Organization.objects.filter(pk__in=ids)
            .exclude(pk__in=organizations_for(request.user))
            .exists()
        )


class AreaAccessMixin:
    """The area's checks before any view of it: its 403 page for users it is closed
    to, a 400 for a query id no table can hold (which Django's choice fields would
    pass to the database), the out-of-scope page for a post naming organisations
    outside the user's scope. The area comes from the ViewSet or the view class."""

    area: AdminArea | None = None

    def dispatch(self, request, *args, **kwargs):
        if not self.area.may_use(request.user):
            return self.area.forbidden(request)
        for name in self.area.query_ids:
            id_param(request.GET, name)
        if self.area.posts_outside_scope(request):
            return out_of_scope_response(request)
        return super().dispatch(request, *args, **kwargs)


class ScopedIndexView(AreaAccessMixin, IndexView):
    """The objects the user has any of ``listed_for`` on (the organisations in their
    scope), with ``list_select_related``, sortable by ``orderings``; an app's columns
    may start with ``control_title_column`` (the title linking to the control page)."""

    listed_for: Iterable[str] = ("view", "change", "delete")
    list_select_related: Iterable[str] = ("organization",)
    orderings: Iterable[str] = ()
    control_url_name: str | None = None

    def get_base_queryset(self):
        return self.area.policy.instances_user_has_any_permission_for(
            self.request.user, list(self.listed_for)
        ).select_related(*self.list_select_related)

    def get_valid_orderings(self):
        return list(self.orderings)

    def control_title_column(self) -> TitleColumn:
        return TitleColumn(
            "title",
            label="名称",
            get_url=lambda obj: reverse(self.control_url_name, args=[obj.pk]),
        )


class ScopedCreateView(AreaAccessMixin, ChineseCreateMixin, CreateView):
    """Records who created the object; opens its control page (``control_url_name``)
    after saving where the app names one, else the list."""

    control_url_name: str | None = None

    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()

    def get_success_url(self):
        if self.control_url_name:
            return reverse(self.control_url_name, args=[self.object.pk])
        return super().get_success_url()


class ScopedEditView(AreaAccessMixin, ScopedObjectMixin, EditView):
    """With ``control_label``, a header button to the object's control page
    (``control_url_name``)."""

    control_url_name: str | None = None
    control_label = ""
    control_icon = "tasks"

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)  # never the base class's shared list
        if self.control_label:
            buttons.append(
                HeaderButton(
                    self.control_label,
                    url=reverse(self.control_url_name, args=[self.object.pk]),
                    icon_name=self.control_icon,
                )
            )
        return buttons


class ScopedDeleteView(AreaAccessMixin, ScopedObjectMixin, DeleteView):
    scope_action = "delete"


class AreaHistoryView(AreaAccessMixin, ScopedHistoryView):
    pass


class ScopedModelViewSet(ModelViewSet):
    """An area's admin menu item: list, create, edit, delete and history (the views
    above unless the app names its own) behind the area's checks; no copy or inspect
    view. The form is the model's panels on ``base_form_class``."""

    area: AdminArea
    base_form_class = WagtailAdminModelForm
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = AreaHistoryView

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(area=self.area, **kwargs)

    def get_edit_handler(self):
        return ObjectList(
            self.model.panels, base_form_class=self.base_form_class
        ).bind_to_model(self.model)


def run_action(
    request: HttpRequest,
    obj,
    action: Callable,
    message: str,
    *,
    then: str,
    refused: type[ValidationError] = ValidationError,
    done: Callable[[], None] | None = None,
) -> HttpResponse:
    """One step of a control page: ``action(obj, by=user)``; its refusal shown as an
    error, else ``done()`` (an audit record, say) and the success message; back to
    the page named ``then``."""
    try:
        action(obj, by=request.user)
    except refused as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if done is not None:
            done()
        messages.success(request, message)
    return redirect(then, pk=obj.pk)


def step_view(
    load: Callable,
    steps: dict[str, tuple[Callable, str]],
    *,
    then: str,
    refused: type[ValidationError] = ValidationError,
    done: Callable | None = None,
):
    """The POST-only view of a control page's steps: ``steps[name]`` (a service and
    its success message) through ``run_action`` on ``load(request, pk)`` (the object,
    or the 403 page to return); ``done(request, name, obj)`` after a step succeeds."""

    @require_POST
    def view(request, pk: int, name: str):
        obj = load(request, pk)
        if isinstance(obj, HttpResponse):
            return obj
        action, message = steps[name]
        return run_action(
            request,
            obj,
            action,
            message,
            then=then,
            refused=refused,
            done=done and (lambda: done(request, name, obj)),
        )

    return view


def step_urls(prefix: str, view, names: Iterable[str]) -> list:
    """One URL per step, ``<prefix>/<pk>/<name>/`` named ``<prefix>_<name>``."""
    return [
        path(
            f"{prefix}/<int:pk>/{name}/", view, {"name": name}, name=f"{prefix}_{name}"
        )
        for name in names
    ]


def register_log_actions(actions: dict[str, tuple[str, str]]) -> None:
    """Wagtail's log actions of an app: action -> (label, message)."""

    @hooks.register("register_log_actions")
    def register(registry):
        for action, (label, message) in actions.items():
            registry.register_action(action, label, message)
