"""The base of the site's admin reports: Wagtail's ReportView with its filter set
and the one export path (members.exports).

A report names its rows (``get_queryset``), its columns (``columns``), what its
export carries (``list_export``, ``export_headings``), its filter set and its two
URL names (the page, and the results fragment Wagtail's filters reload).

- Filters are django-filter forms; a value the form refuses (a forged or broken
  link) is answered 400 with the parameter's name, as every view of the site answers
  bad input (home.params). ``StrictFiltersMixin`` does this for any listing (the
  领导信箱 list uses it too).
- A user without the report's permission (``permission_policy`` and
  ``permission_required``, Wagtail's check, or ``user_may_view``, by default
  ``required_permission``, a permission name for a report no model owns) gets a 403
  page saying so (``forbidden_message``, ``forbidden_hint``), where Wagtail would
  redirect.
- ``filter_defaults`` are what the form reads when the link leaves them out, so a
  plain link shows the usual view without marking the filters as changed.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from wagtail.admin.views.reports import ReportView as WagtailReportView

from home.params import BadParameter

from .exports import ExportMixin


def keep_queryset(queryset, name, value):
    """A filter's method for report choices (year, table) the view itself reads."""
    return queryset


class YearFilter(django_filters.NumberFilter):
    """A report's year, read as a whole number (``min_value``/``max_value`` bound it)."""

    field_class = forms.IntegerField


def table_filter(choices, *, initial: str = "branches") -> django_filters.ChoiceFilter:
    """The 统计表 switch of a report that shows one of its tables at a time (the view
    reads the choice itself)."""
    return django_filters.ChoiceFilter(
        label="统计表",
        choices=choices,
        empty_label=None,
        initial=initial,
        widget=forms.RadioSelect,
        method=keep_queryset,
    )


def forbidden(request, message: str, hint: str = "") -> TemplateResponse:
    return TemplateResponse(
        request,
        "members/admin/forbidden.html",
        {"page_title": "无权访问", "message": message, "hint": hint},
        status=403,
    )


class StrictFiltersMixin:
    """A listing whose filter form refuses a value answers 400 naming the parameter
    (Wagtail would ignore the filter and list everything)."""

    def get(self, request, *args, **kwargs):
        if self.filters is not None and not self.filters.is_valid():
            name, errors = next(iter(self.filters.form.errors.items()))
            raise BadParameter(f"参数 {name}：{errors[0]}")
        return super().get(request, *args, **kwargs)


class ReportView(StrictFiltersMixin, ExportMixin, WagtailReportView):
    filter_defaults: dict[str, str] = {}
    required_permission: str | None = None
    forbidden_message = "您没有查看此报表的权限。"
    forbidden_hint = "如需开通，请联系站点管理员。"

    def user_may_view(self, user) -> bool:
        """Whether the user may open the report at all (before Wagtail's policy)."""
        return not self.required_permission or user.has_perm(self.required_permission)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_view(request.user):
            return forbidden(request, self.forbidden_message, self.forbidden_hint)
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request, self.forbidden_message, self.forbidden_hint)

    def get_filterset_kwargs(self):
        kwargs = super().get_filterset_kwargs()
        data = kwargs["data"].copy()
        for name, value in self.filter_defaults.items():
            if not data.get(name):
                data[name] = value
        kwargs["data"] = data
        return kwargs

    def get_paginator(self, *args, **kwargs):
        # The pager's "N 个…" names the report's rows, which may not be a model's.
        paginator = super().get_paginator(*args, **kwargs)
        if self.verbose_name_plural:
            paginator.verbose_name = self.verbose_name or self.verbose_name_plural
            paginator.verbose_name_plural = self.verbose_name_plural
        return paginator

    def get_filtered_queryset(self):
        # get_queryset() already applies the filter set (BaseListingView); Wagtail's
        # ReportView would apply it a second time.
        return self.get_queryset()
