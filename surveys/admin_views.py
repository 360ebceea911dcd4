"""Admin views of surveys: list, create, edit, delete, history, open and close,
results with charts and the XLSX export; all within the user's organisation scope."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.widgets.button import HeaderButton

from home.params import choice_param, id_param
from members import reports
from members.admin_views import (
    ChineseCreateMixin,
    ScopedHistoryView,
    ScopedObjectMixin,
    out_of_scope_response,
)
from members.exports import export_response
from members.models import Organization
from members.scopes import organizations_for

from . import services
from .models import Survey
from .permissions import may_manage_surveys, survey_policy


def forbidden_response(request) -> TemplateResponse:
    """A 403 page inside the admin (Wagtail would redirect to the dashboard)."""
    return reports.forbidden(
        request,
        "您没有管理网上调查的权限。",
        "网上调查由站点管理员和宣传员管理，只能管理您担任组织管理员的"
        "党组织及其下级发起的调查。如需开通，请联系站点管理员。",
    )


class SurveyAccessMixin:
    """A 403 page for anyone without the right to manage surveys in some scope."""

    def dispatch(self, request, *args, **kwargs):
        if not may_manage_surveys(request.user):
            return forbidden_response(request)
        return super().dispatch(request, *args, **kwargs)


class SurveyScopeMixin:
    """A 403 page when a post names organisations outside the user's scope (the
    form would only call the choice invalid)."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and may_manage_surveys(request.user):
            ids = [
                value
                for name in ("owner", "audience_organization")
                if (value := id_param(request.POST, name))
            ]
            outside = Organization.objects.filter(pk__in=ids).exclude(
                pk__in=organizations_for(request.user)
            )
            if ids and outside.exists():
                return out_of_scope_response(request)
        return super().dispatch(request, *args, **kwargs)


def _state(survey: Survey) -> str:
    return survey.state_label()


class SurveyIndexView(SurveyAccessMixin, IndexView):
    default_ordering = "-opens_at"

    def get_base_queryset(self):
        return survey_policy.instances_user_has_any_permission_for(
            self.request.user, ["view", "change", "delete"]
        ).select_related("owner")

    def get_valid_orderings(self):
        return ["opens_at", "-opens_at", "closes_at", "-closes_at"]

    @cached_property
    def columns(self):
        return [
            TitleColumn("title", label="标题", get_url=lambda s: self.get_edit_url(s)),
            Column("owner", label="发起党组织"),
            Column("audience", label="调查对象", accessor="get_audience_display"),
            Column("state", label="状态", accessor=_state),
            Column("opens_at", label="开始时间", sort_key="opens_at"),
            Column("closes_at", label="截止时间", sort_key="closes_at"),
            TitleColumn(
                "results",
                label="结果",
                accessor=lambda s: "查看结果",
                get_url=lambda s: reverse("surveys_results", args=[s.pk]),
            ),
        ]


class SurveyCreateView(
    SurveyAccessMixin, SurveyScopeMixin, ChineseCreateMixin, CreateView
):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        survey = super().save_instance()
        services.log_change(survey, "surveys.create", by=self.request.user)
        if survey.is_published:
            services.log_change(survey, "surveys.open", by=self.request.user)
        return survey


class SurveyEditView(SurveyAccessMixin, SurveyScopeMixin, ScopedObjectMixin, EditView):
    def get_object(self, queryset=None):
        survey = super().get_object(queryset)
        self.was_published = survey.is_published
        return survey

    def save_instance(self):
        survey = super().save_instance()
        if survey.is_published and not self.was_published:
            services.log_change(survey, "surveys.open", by=self.request.user)
        return survey

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)  # never the base class's shared list
        buttons.append(
            HeaderButton(
                "查看结果",
                url=reverse("surveys_results", args=[self.object.pk]),
                icon_name="table",
            )
        )
        return buttons


class SurveyDeleteView(SurveyAccessMixin, ScopedObjectMixin, DeleteView):
    scope_action = "delete"


class SurveyHistoryView(SurveyAccessMixin, ScopedHistoryView):
    pass


def _managed_survey(request, pk: int) -> Survey | HttpResponse:
    if not may_manage_surveys(request.user):
        return forbidden_response(request)
    survey = get_object_or_404(Survey.objects.select_related("owner"), pk=pk)
    if not survey_policy.user_has_permission_for_instance(request.user, "view", survey):
        return out_of_scope_response(request)
    return survey


def survey_results(request, pk: int):
    """Results of one survey with charts and texts; ?export=xlsx for the answers."""
    survey = _managed_survey(request, pk)
    if isinstance(survey, HttpResponse):
        return survey
    if choice_param(request.GET, "export", ("xlsx",)):
        responses = survey.responses.count()
        return export_response(
            request,
            sheets=[services.export_sheet(survey)],
            filename=f"survey-{survey.pk}",
            fmt="xlsx",
            audit=f"导出调查答卷：{survey.title}（{responses} 份）",
            instance=survey,
            log_action="surveys.export",
            log_data={"title": survey.title, "responses": responses},
        )
    total, questions = services.results(survey)
    can_change = survey_policy.user_has_permission_for_instance(
        request.user, "change", survey
    )
    return TemplateResponse(
        request,
        "surveys/admin/results.html",
        {
            "survey": survey,
            "total": total,
            "questions": questions,
            "state": survey.state(),
            "can_change": can_change,
        },
    )


def _change(request, pk: int, action):
    survey = _managed_survey(request, pk)
    if isinstance(survey, HttpResponse):
        return survey
    if not survey_policy.user_has_permission_for_instance(
        request.user, "change", survey
    ):
        return out_of_scope_response(request)
    try:
        action(survey, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            f"已{'发布' if action is services.open_survey else '结束'}调查“{survey}”。",
        )
    return redirect("surveys_results", pk=survey.pk)


@require_POST
def open_survey(request, pk: int):
    return _change(request, pk, services.open_survey)


@require_POST
def close_survey(request, pk: int):
    return _change(request, pk, services.close_survey)
