"""Admin views of surveys: list, create, edit, delete, history, open and close,
results with charts and the XLSX export; all within the user's organisation scope."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column, TitleColumn

from home.params import choice_param
from members.exports import export_response
from members.scoped_admin import (
    AdminArea,
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    run_action,
)

from . import services
from .models import Survey
from .permissions import may_manage_surveys, survey_policy

survey_admin = AdminArea(
    may_use=may_manage_surveys,
    policy=survey_policy,
    message="您没有管理网上调查的权限。",
    hint="网上调查由站点管理员和宣传员管理，只能管理您担任组织管理员的"
    "党组织及其下级发起的调查。如需开通，请联系站点管理员。",
    query_ids=(),
    organization_fields=("owner", "audience_organization"),
)


def _state(survey: Survey) -> str:
    return survey.state_label()


class SurveyIndexView(ScopedIndexView):
    default_ordering = "-opens_at"
    list_select_related = ("owner",)
    orderings = ("opens_at", "-opens_at", "closes_at", "-closes_at")

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


class SurveyCreateView(ScopedCreateView):
    def save_instance(self):
        survey = super().save_instance()
        services.log_change(survey, "surveys.create", by=self.request.user)
        if survey.is_published:
            services.log_change(survey, "surveys.open", by=self.request.user)
        return survey


class SurveyEditView(ScopedEditView):
    control_url_name = "surveys_results"
    control_label = "查看结果"
    control_icon = "table"

    def get_object(self, queryset=None):
        survey = super().get_object(queryset)
        self.was_published = survey.is_published
        return survey

    def save_instance(self):
        survey = super().save_instance()
        if survey.is_published and not self.was_published:
            services.log_change(survey, "surveys.open", by=self.request.user)
        return survey


def _managed_survey(request, pk: int, action: str = "view") -> Survey | HttpResponse:
    return survey_admin.load(
        request, Survey.objects.select_related("owner"), pk, action
    )


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
    survey = _managed_survey(request, pk, "change")
    if isinstance(survey, HttpResponse):
        return survey
    verb = "发布" if action is services.open_survey else "结束"
    return run_action(
        request, survey, action, f"已{verb}调查“{survey}”。", then="surveys_results"
    )


@require_POST
def open_survey(request, pk: int):
    return _change(request, pk, services.open_survey)


@require_POST
def close_survey(request, pk: int):
    return _change(request, pk, services.close_survey)
