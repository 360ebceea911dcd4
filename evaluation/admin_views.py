"""Admin views of 民主评议: list, create, edit and delete while being prepared,
history, and the control page (progress, open, end the rating, tallies with
unattributed comments, confirm outcomes, close, export), all within the user's
organisation scope. Who rated whom: a page and an export sheet for staff at or
above the configured level only (permissions.sees_raters)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column

from home.params import choice_param, id_param
from members import reports
from members.exports import export_response
from members.scoped_admin import (
    AdminArea,
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    step_view,
)

from . import services
from .models import GRADE_ORDER, Grade, Round, Status
from .permissions import may_run_rounds, round_policy, sees_raters

round_admin = AdminArea(
    may_use=may_run_rounds,
    policy=round_policy,
    message="您没有组织民主评议的权限。",
    hint="民主评议党员由站点管理员和宣传员组织，只能组织您担任组织管理员的"
    "党组织及其下级党支部的评议。如需开通，请联系站点管理员。",
)


class RoundIndexView(ScopedIndexView):
    default_ordering = "-year"
    orderings = ("year", "-year")
    control_url_name = "evaluation_manage"

    @cached_property
    def columns(self):
        return [
            self.control_title_column(),
            Column("organization", label="党支部"),
            Column("year", label="年度", sort_key="year"),
            Column("phase", label="状态", accessor=lambda r: r.phase_label()),
            Column("opens_at", label="开始时间"),
            Column("closes_at", label="截止时间"),
        ]


class RoundCreateView(ScopedCreateView):
    control_url_name = "evaluation_manage"


class RoundEditView(ScopedEditView):
    control_url_name = "evaluation_manage"
    control_label = "组织评议"


def _round(request, pk: int, action: str = "view") -> Round | HttpResponse:
    return round_admin.load(
        request, Round.objects.select_related("organization", "closed_by"), pk, action
    )


def manage(request, pk: int):
    """Progress, tallies with unattributed comments, the outcome forms; ?export=xlsx."""
    round = _round(request, pk)
    if isinstance(round, HttpResponse):
        return round
    with_raters = sees_raters(request.user, round)
    if choice_param(request.GET, "export", ("xlsx",)):
        return export_response(
            request,
            sheets=services.export_sheets(round, with_raters=with_raters),
            filename=f"evaluation-{round.pk}",
            fmt="xlsx",
            audit=f"导出民主评议结果：{round.title}",
            instance=round,
            log_action="evaluation.export",
            log_data={"title": round.title, "with_raters": with_raters},
        )
    return TemplateResponse(
        request,
        "evaluation/admin/manage.html",
        {
            "round": round,
            "phase": round.phase(),
            "progress": services.progress(round),
            "rows": services.tallies(round) if round.status != Status.DRAFT else [],
            "grade_labels": [Grade(g).label for g in GRADE_ORDER],
            "grades": [(g, Grade(g).label) for g in GRADE_ORDER],
            "can_change": round_policy.user_has_permission_for_instance(
                request.user, "change", round
            ),
            "sees_raters": with_raters,
        },
    )


def raters(request, pk: int):
    """Who rated whom: staff at or above the configured level only."""
    round = _round(request, pk)
    if isinstance(round, HttpResponse):
        return round
    if not sees_raters(request.user, round):
        return reports.forbidden(
            request,
            "评价人信息只对上级党组织的组织管理员开放。",
            "党支部和党总支的工作人员只能看到票数汇总和不署名的意见。",
        )
    services._log(round, "evaluation.view_raters", by=request.user)
    return TemplateResponse(
        request,
        "evaluation/admin/raters.html",
        {"round": round, "ratings": services.attributed_ratings(round)},
    )


ACTIONS = {
    "open": (services.open_round, "已启动民主评议，参评党员名单已确定。"),
    "end": (services.end_rating, "已截止评议，请逐一确认评议结果。"),
    "close": (services.close_round, "已结束民主评议，评议结果已确定。"),
}


act = step_view(
    lambda request, pk: _round(request, pk, "change"),
    ACTIONS,
    then="evaluation_manage",
    refused=services.EvaluationError,
)


@require_POST
def confirm(request, pk: int):
    """The committee's decision on one member (member, grade, note)."""
    round = _round(request, pk, "change")
    if isinstance(round, HttpResponse):
        return round
    member_id = id_param(request.POST, "member")
    grade = choice_param(request.POST, "grade", GRADE_ORDER) or ""
    note = request.POST.get("note", "")
    try:
        if member_id is None:
            raise services.EvaluationError("请选择党员。")
        outcome = services.confirm_outcome(
            round, member_id, grade, note, by=request.user
        )
    except services.EvaluationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            f"已确认{outcome.member.real_name}的评议结果：{outcome.get_grade_display()}。",
        )
    return redirect(
        f"{reverse('evaluation_manage', args=[round.pk])}#m{member_id or ''}"
    )
