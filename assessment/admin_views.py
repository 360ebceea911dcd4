"""Admin views of 网上考核: plans (list, create, edit while a draft, delete, history),
a plan's page (reports of every target for the issuer's staff, one's own for a
target's staff), a report's page (report, score, return per item), evidence
downloads, the results export and the history of one's reports by period.
Everything is scoped by assessment.permissions; outside it answers 403."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from django.views.generic import View
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column

from home.params import choice_param, id_param, year_param
from mailbox.downloads import stored_file_response
from members.admin_views import out_of_scope_response
from members.exports import ExportMixin, Sheet
from members.models import ScopedModelLogEntry
from members.scoped_admin import (
    AdminArea,
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    step_view,
)

from . import member_ranking, services
from .forms import ItemReportForm, ReturnForm, ScoreForm
from .models import (
    AssessmentPlan,
    Band,
    Evidence,
    ItemReport,
    ItemStatus,
    MemberBand,
    PeriodKind,
    PlanStatus,
    Report,
)
from .permissions import (
    can_report,
    manages,
    may_use_assessment,
    plan_policy,
    reports_for,
    visible_reports,
)

plan_admin = AdminArea(
    may_use=may_use_assessment,
    policy=plan_policy,
    message="您没有使用网上考核的权限。",
    hint="网上考核由上级党组织的管理人员下发和评分，由被考核党组织的管理人员"
    "报送；只能处理您担任组织管理员的党组织的考核。如需开通，请联系站点管理员。",
    organization_list_fields=("targets",),
)


class PlanIndexView(ScopedIndexView):
    default_ordering = "-period_start"
    listed_for = ("view",)
    orderings = ("period_start", "-period_start")
    control_url_name = "assessment_plan"

    @cached_property
    def columns(self):
        return [
            self.control_title_column(),
            Column("organization", label="考核党组织"),
            Column(
                "period_kind",
                label="周期",
                accessor=lambda p: p.get_period_kind_display(),
            ),
            Column("period_start", label="开始", sort_key="period_start"),
            Column("period_end", label="结束"),
            Column("status", label="状态", accessor=lambda p: p.get_status_display()),
        ]


class PlanCreateView(ScopedCreateView):
    control_url_name = "assessment_plan"


class PlanEditView(ScopedEditView):
    def get_success_url(self):
        return reverse("assessment_plan", args=[self.object.pk])


# Plan and report pages -------------------------------------------------------------------


def _plan(request, pk: int) -> AssessmentPlan | HttpResponse:
    return plan_admin.load(
        request, AssessmentPlan.objects.select_related("organization", "notice"), pk
    )


def _managed_plan(request, pk: int) -> AssessmentPlan | HttpResponse:
    plan = _plan(request, pk)
    if isinstance(plan, HttpResponse):
        return plan
    if not manages(request.user, plan):
        return out_of_scope_response(request)
    return plan


def plan_detail(request, pk: int):
    """The issuer's staff: every target's progress, the standing, the actions.
    A target's staff: the plan and the link to their own report."""
    plan = _plan(request, pk)
    if isinstance(plan, HttpResponse):
        return plan
    is_manager = manages(request.user, plan)
    reports = list(reports_for(request.user, plan).select_related("organization"))
    items = list(plan.items.all())
    cells = {}
    for item_report in ItemReport.objects.filter(report__in=reports).select_related(
        "item"
    ):
        cells[(item_report.report_id, item_report.item_id)] = item_report
    matrix = [
        (report, [(item, cells.get((report.pk, item.pk))) for item in items])
        for report in reports
    ]
    standing = []
    if is_manager and plan.status != PlanStatus.DRAFT:
        standing = services.results(plan)
    return TemplateResponse(
        request,
        "assessment/admin/plan.html",
        {
            "plan": plan,
            "items": items,
            "matrix": matrix,
            "standing": standing,
            "full": services.max_points(plan),
            "is_manager": is_manager,
            "targets": list(plan.targets.order_by("path")),
            "bands": dict(Band.choices),
        },
    )


def _report(request, pk: int) -> Report | HttpResponse:
    if not may_use_assessment(request.user):
        return plan_admin.forbidden(request)
    report = get_object_or_404(
        Report.objects.select_related("plan__organization", "organization"), pk=pk
    )
    if not reports_for(request.user, report.plan).filter(pk=report.pk).exists():
        return out_of_scope_response(request)
    return report


def report_detail(request, pk: int):
    report = _report(request, pk)
    if isinstance(report, HttpResponse):
        return report
    plan = report.plan
    is_manager = manages(request.user, plan)
    may_report = can_report(request.user, report)
    rows = []
    for item_report in report.items.select_related(
        "item", "reported_by", "scored_by"
    ).prefetch_related("evidence"):
        editable = may_report and item_report.status != ItemStatus.SCORED
        rows.append(
            {
                "ir": item_report,
                "overdue": item_report.is_overdue(),
                "report_form": ItemReportForm(
                    prefix=f"i{item_report.pk}",
                    initial={
                        "completion": item_report.completion,
                        "text": item_report.text,
                        "links": item_report.links,
                    },
                )
                if editable
                else None,
                "score_form": ScoreForm(
                    prefix=f"s{item_report.pk}",
                    initial={
                        "score": item_report.score
                        if item_report.score is not None
                        else item_report.suggested_score,
                        "comment": item_report.comment,
                    },
                )
                if is_manager
                and plan.status == PlanStatus.ISSUED
                and item_report.status in (ItemStatus.SUBMITTED, ItemStatus.SCORED)
                else None,
            }
        )
    trail = [
        {
            "when": entry.timestamp,
            "who": entry.user_display_name,
            "what": entry.message,
            "item": entry.data.get("item", ""),
            "detail": _trail_detail(entry.data),
        }
        for entry in ScopedModelLogEntry.objects.for_instance(report)
        .select_related("user")
        .order_by("timestamp", "pk")
    ]
    return TemplateResponse(
        request,
        "assessment/admin/report.html",
        {
            "trail": trail,
            "report": report,
            "plan": plan,
            "rows": rows,
            "is_manager": is_manager,
            "may_report": may_report,
            "max_files": services.MAX_FILES,
        },
    )


def _trail_detail(data: dict) -> str:
    parts = []
    if data.get("completion"):
        parts.append(data["completion"])
    if data.get("files"):
        parts.append(f"附件 {data['files']} 个")
    if data.get("score") is not None:
        before = data.get("before")
        parts.append(
            f"{before} → {data['score']} 分" if before else f"{data['score']} 分"
        )
    if data.get("facts"):
        parts.append(data["facts"])
    if data.get("comment"):
        parts.append(data["comment"])
    if data.get("reason"):
        parts.append(f"退回原因：{data['reason']}")
    return "；".join(parts)


def _item_report(request, pk: int, item_pk: int):
    report = _report(request, pk)
    if isinstance(report, HttpResponse):
        return report, None
    item_report = get_object_or_404(
        report.items.select_related("item", "report__plan"), pk=item_pk
    )
    return report, item_report


def _errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
def submit_item(request, pk: int, item_pk: int):
    report, item_report = _item_report(request, pk, item_pk)
    if item_report is None:
        return report
    if not can_report(request.user, report):
        return out_of_scope_response(request)
    form = ItemReportForm(request.POST, prefix=f"i{item_report.pk}")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("assessment_report", pk=report.pk)
    data = services.ItemData(**form.cleaned_data)
    try:
        services.submit_item(
            item_report,
            data,
            files=request.FILES.getlist(f"i{item_report.pk}-files"),
            by=request.user,
        )
    except services.AssessmentError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已报送“{item_report.item.title}”。")
    return redirect("assessment_report", pk=report.pk)


@require_POST
def score_item(request, pk: int, item_pk: int):
    report, item_report = _item_report(request, pk, item_pk)
    if item_report is None:
        return report
    if not manages(request.user, report.plan):
        return out_of_scope_response(request)
    form = ScoreForm(request.POST, prefix=f"s{item_report.pk}")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("assessment_report", pk=report.pk)
    try:
        services.score_item(
            item_report,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            by=request.user,
        )
    except services.AssessmentError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已评分“{item_report.item.title}”。")
    return redirect("assessment_report", pk=report.pk)


@require_POST
def return_item(request, pk: int, item_pk: int):
    report, item_report = _item_report(request, pk, item_pk)
    if item_report is None:
        return report
    if not manages(request.user, report.plan):
        return out_of_scope_response(request)
    form = ReturnForm(request.POST, prefix=f"r{item_report.pk}")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("assessment_report", pk=report.pk)
    try:
        services.return_item(
            item_report, reason=form.cleaned_data["reason"], by=request.user
        )
    except services.AssessmentError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已退回“{item_report.item.title}”，请其补充材料。")
    return redirect("assessment_report", pk=report.pk)


def evidence(request, pk: int, evidence_pk: int):
    report = _report(request, pk)
    if isinstance(report, HttpResponse):
        return report
    item = get_object_or_404(
        Evidence.objects.filter(item_report__report=report), pk=evidence_pk
    )
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    return stored_file_response(handle, item, as_attachment=not item.is_image)


PLAN_ACTIONS = {
    "issue": (services.issue_plan, "已下发考核任务，被考核党组织已收到通知。"),
    "close": (services.close_plan, "考核已结束，排名和等次已确定。"),
    "publish": (
        services.publish_notice,
        "已生成考核结果公示草稿，请在网上公示栏目提交审核发布。",
    ),
}


act = step_view(
    _managed_plan,
    PLAN_ACTIONS,
    then="assessment_plan",
    refused=services.AssessmentError,
)


def plan_members(request, pk: int):
    """党员评定: the members of the targets the user may see (every target for the
    issuer's staff, their own for a target's staff), live while issued, as stored
    once closed; filtered by organisation and band."""
    plan = _plan(request, pk)
    if isinstance(plan, HttpResponse):
        return plan
    band = choice_param(request.GET, "band", MemberBand.values)
    org = id_param(request.GET, "org")
    reports = list(reports_for(request.user, plan).select_related("organization"))
    if org and not any(r.organization_id == org for r in reports):
        return out_of_scope_response(request)
    rows = []
    if plan.status != PlanStatus.DRAFT:
        rows = member_ranking.for_plan(plan, reports)
    if org:
        chosen = {r.pk for r in reports if r.organization_id == org}
        rows = [row for row in rows if row.report_id in chosen]
    counts = member_ranking.band_counts(rows)
    if band:
        rows = [row for row in rows if row.band == band]
    return TemplateResponse(
        request,
        "assessment/admin/members.html",
        {
            "plan": plan,
            "rows": rows,
            "counts": [(b.value, b.label, counts[b.value]) for b in MemberBand],
            "reports": reports,
            "org": org,
            "band": band,
            "bands": MemberBand.choices,
            "is_manager": manages(request.user, plan),
        },
    )


# Export and history -----------------------------------------------------------------------


class ResultsExport(ExportMixin, View):
    """The ranking with each item's score as XLSX through members.exports (cells that
    look like formulas are written as text), recorded in the security log."""

    base_fields = ["rank", "organization", "total", "percent", "band"]
    base_headings = {
        "rank": "名次",
        "organization": "党组织",
        "total": "得分",
        "percent": "得分率（%）",
        "band": "等次",
    }

    def get(self, request, pk: int):
        plan = _managed_plan(request, pk)
        if isinstance(plan, HttpResponse):
            return plan
        self.plan = plan
        self.export_filename = f"assessment-{plan.pk}"
        items = list(plan.items.all())
        self.list_export = [*self.base_fields, *(f"item{i.pk}" for i in items)]
        self.export_headings = {
            **self.base_headings,
            **{f"item{i.pk}": f"{i.title}（{i.points_label}分）" for i in items},
        }
        scores = {
            (row["report"], row["item"]): row["score"]
            for row in ItemReport.objects.filter(
                report__plan=plan, status=ItemStatus.SCORED
            ).values("report", "item", "score")
        }
        closed = plan.status == PlanStatus.CLOSED
        standing = services.results(plan)
        table = _ExportRows(
            {
                "rank": row.rank,
                "organization": row.report.organization.name,
                "total": float(row.total),
                "percent": float(row.percent),
                "band": Band(row.band).label if closed else "考核中",
                **{
                    f"item{i.pk}": float(scores[(row.report.pk, i.pk)])
                    if (row.report.pk, i.pk) in scores
                    else None
                    for i in items
                },
            }
            for row in standing
        )
        self.member_rows = member_ranking.for_plan(
            plan, [row.report for row in standing]
        )
        return self.as_spreadsheet(table, self.FORMAT_XLSX)

    member_headings = {
        "rank": "名次",
        "member_name": "姓名",
        "organization_name": "所在党组织",
        "hours": "期内学时",
        "target_hours": "期内学时目标",
        "study": "学习（%）",
        "exam": "考试（%）",
        "daily": "每日答题（%）",
        "evaluation_label": "民主评议",
        "percent": "综合得分率（%）",
        "band_label": "等次",
    }

    def export_sheets(self, queryset):
        """The organisations' ranking, then the members' (党员评定) on a second sheet;
        the columns switch between the two while the writer works through them."""
        yield Sheet(headings=(), rows=(), title="党组织排名"), queryset
        self.list_export = list(self.member_headings)
        self.export_headings = self.member_headings
        closed = self.plan.status == PlanStatus.CLOSED
        yield (
            Sheet(headings=(), rows=(), title="党员评定"),
            [
                {
                    name: _cell(getattr(row, name))
                    for name in self.member_headings
                    if name not in ("band_label", "evaluation_label")
                }
                | {
                    "evaluation_label": "不计"
                    if row.evaluation is None
                    else row.evaluation_label or "未评议",
                    "band_label": row.band_label if closed else "考核中",
                }
                for row in self.member_rows
            ],
        )

    def to_row_dict(self, item):
        return {field: item[field] for field in self.list_export}

    def export_audit_detail(self, queryset, spreadsheet_format):
        return (
            f"导出考核结果：{self.plan.title}（{spreadsheet_format.upper()}，"
            f"含党员评定 {len(self.member_rows)} 人）"
        )


def _cell(value):
    """Decimals as numbers, a part that did not apply as 不计."""
    if value is None:
        return "不计"
    if isinstance(value, Decimal):
        return float(value)
    return value


class _ExportRows(list):
    """A list the export mixin can read headings for (it asks for .model)."""

    model = Report


def history(request):
    """Every report the user may see, by period: a target's staff see only their own."""
    if not may_use_assessment(request.user):
        return plan_admin.forbidden(request)
    year = year_param(request.GET, "year")
    kind = choice_param(request.GET, "kind", PeriodKind.values)
    org = id_param(request.GET, "org")
    reports = visible_reports(request.user).select_related("plan", "organization")
    if year:
        reports = reports.filter(plan__period_start__year=year)
    if kind:
        reports = reports.filter(plan__period_kind=kind)
    if org:
        reports = reports.filter(organization_id=org)
    reports = reports.order_by(
        "-plan__period_start", "plan", "rank", "organization__path"
    )
    return TemplateResponse(
        request,
        "assessment/admin/history.html",
        {
            "reports": reports[:500],
            "year": year,
            "kind": kind,
            "kinds": PeriodKind.choices,
            "bands": dict(Band.choices),
        },
    )
