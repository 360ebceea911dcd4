"""Admin views: retrying a transcode, the study statistics report with exports, and
the required-course assignments (必修课指派)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView

from home.params import MAX_ID, id_param
from members.admin_views import (
    ChineseCreateMixin,
    ScopedHistoryView,
    ScopedObjectMixin,
    out_of_scope_response,
)
from members.models import Organization
from members.reports import (
    ReportView,
    YearFilter,
    forbidden,
    keep_queryset,
    table_filter,
)
from members.scopes import organizations_for

from . import required, stats
from .forms import CourseChoiceField, OrganizationFilterField
from .models import CourseAssignment, CoursePage, Video
from .permissions import assignment_policy
from .required import ancestor_paths
from .services import (
    AssignmentError,
    assign_course,
    change_assignment,
    delete_assignment,
)
from .services import retry_video as retry_video_service

REPORT_PERMISSION = "school.view_study_report"
SCHOOL_ADMIN_GROUP = "党校管理员"


def retry_video(request, pk: int):
    """Confirm, then re-queue a failed video's transcode."""
    if not request.user.has_perm("school.change_video"):
        raise PermissionDenied
    video = get_object_or_404(Video, pk=pk)
    if request.method == "POST":
        if retry_video_service(video):
            messages.success(request, f"已重新排队转码：{video.title}")
        else:
            messages.warning(
                request, f"「{video.title}」当前状态为{video.status_label}，无需重试。"
            )
        return redirect("wagtailsnippets_school_video:list")
    return render(request, "school/admin/retry_video.html", {"video": video})


def can_view_report(user) -> bool:
    return user.is_active and user.is_authenticated and user.has_perm(REPORT_PERMISSION)


def report_organizations(user):
    """The user's own part of the tree: their admin scope, else their own branch."""
    if user.is_superuser:
        return Organization.objects.all()
    scoped = organizations_for(user)
    if scoped.exists():
        return scoped
    member = getattr(user, "member", None) if hasattr(user, "member") else None
    if member is not None:
        return Organization.objects.within(member.organization)
    if user.groups.filter(name=SCHOOL_ADMIN_GROUP).exists():
        return Organization.objects.all()
    return Organization.objects.none()


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _rate(value: float) -> str:
    return f"{round(value * 100)}%"


def _bar(value: float, ok: bool = False, text: str | None = None):
    return format_html(
        '<span class="bar{}"><span style="width: {}%"></span></span> {}',
        " bar--ok" if ok else "",
        round(value * 100),
        _rate(value) if text is None else text,
    )


@dataclass
class StudyTable:
    """One table of the report: its rows, its page columns and its export."""

    title: str
    rows: Callable  # (organizations, year) -> rows
    columns: list
    export_header: list
    export_row: Callable  # row -> list of cells
    classname: str = ""
    empty: str = "暂无数据。"


def _course_rows(organizations, year):
    rows = stats.course_report(organizations, year)
    peak = max((row["completions"] for row in rows), default=0) or 1
    for row in rows:
        row["width"] = row["completions"] / peak
    return rows


def _required_rows(organizations, year):
    return [
        row for row in required.required_report(organizations, year) if row.assigned
    ]


def _overdue_cell(row):
    if row.overdue:
        return format_html('<strong class="overdue-count">{}</strong>', row.overdue)
    return 0


STUDY_TABLES = {
    "branches": StudyTable(
        "各党组织",
        stats.organization_report,
        [
            Column("organization", label="党组织", accessor="organization.indented_name"),
            Column("members", label="党员数"),
            Column("participation", label="参学率",
                   accessor=lambda r: _bar(r.participation_rate)),
            Column("completion", label="必修课完成率",
                   accessor=lambda r: _rate(r.completion_rate)),
            Column("average_hours", label="人均学时"),
            Column("below_target", label="未达标"),
            Column("reached", label="达标率",
                   accessor=lambda r: _bar(r.reached_rate, ok=True)),
            Column("appraisal", label="评定"),
        ],
        ["党组织", "党员数", "参学人数", "参学率", "必修课完成率", "人均学时",
         "达标人数", "未达标人数", "评定"],
        lambda row: [
            row.organization.indented_name,
            row.members,
            row.participants,
            _percent(row.participation_rate),
            _percent(row.completion_rate),
            str(row.average_hours),
            row.reached,
            row.below_target,
            row.appraisal,
        ],
        empty="没有可查看的党组织。",
    ),
    "required": StudyTable(
        "必修课指派完成情况",
        _required_rows,
        [
            Column("organization", label="党组织", accessor="organization.indented_name"),
            Column("assigned", label="应学人次"),
            Column("completed", label="已完成"),
            Column("on_time", label="按期完成"),
            Column("overdue", label="逾期未完成", accessor=_overdue_cell),
            Column("rate", label="完成率",
                   accessor=lambda r: _bar(r.completion_rate, ok=True)),
        ],
        ["党组织", "应学人次", "已完成", "按期完成", "逾期未完成", "完成率"],
        lambda row: [
            row.organization.indented_name,
            row.assigned,
            row.completed,
            row.on_time,
            row.overdue,
            _percent(row.completion_rate),
        ],
        classname="required-report",
        empty="该年没有截止的必修课指派。",
    ),
    "overdue": StudyTable(
        "逾期未学名单",
        required.overdue_members,
        [
            Column("real_name", label="姓名"),
            Column("member_no", label="党员编号"),
            Column("organization_name", label="所在党组织"),
            Column("course_title", label="课程"),
            Column("deadline", label="截止日期",
                   accessor=lambda r: r.deadline.isoformat()),
            Column("days_overdue", label="逾期天数"),
        ],
        ["姓名", "党员编号", "所在党组织", "课程", "截止日期", "逾期天数"],
        lambda row: [
            row.real_name,
            row.member_no,
            row.organization_name,
            row.course_title,
            row.deadline.isoformat(),
            row.days_overdue,
        ],
        classname="overdue-list",
        empty="没有逾期未学的党员。",
    ),
    "courses": StudyTable(
        "各课程完成人数",
        _course_rows,
        [
            Column("course", label="课程", accessor=lambda r: r["course"].title),
            Column("kind", label="类型",
                   accessor=lambda r: r["course"].get_kind_display()),
            Column("completions", label="完成人数",
                   accessor=lambda r: _bar(r["width"], text=r["completions"])),
        ],
        ["课程", "类型", "完成人数"],
        lambda row: [
            row["course"].title,
            row["course"].get_kind_display(),
            row["completions"],
        ],
        empty="还没有课程。",
    ),
    "members": StudyTable(
        "党员学时排名",
        stats.member_ranking,
        [
            Column("rank", label="名次"),
            Column("name", label="姓名", accessor="member.real_name"),
            Column("organization", label="所在党组织",
                   accessor="member.organization.name"),
            Column("hours", label="学时",
                   accessor=lambda r: floatformat(r.hours, "-2")),
            Column("target", label="目标"),
            Column("appraisal", label="评定"),
        ],
        ["姓名", "所在党组织", "党内职务", "学时", "目标学时", "是否参学", "评定"],
        lambda row: [
            row.member.real_name,
            row.member.organization.name,
            row.member.party_post,
            str(row.hours),
            row.target,
            "是" if row.studied else "否",
            row.appraisal,
        ],
        empty="没有党员。",
    ),
}  # fmt: skip


def _report_scope(request):
    if request is None:
        return Organization.objects.none()
    return report_organizations(request.user).order_by("path")


class ReportOrganizationFilter(django_filters.ModelChoiceFilter):
    field_class = OrganizationFilterField


class StudyReportFilterSet(WagtailFilterSet):
    year = YearFilter(
        label="年度",
        min_value=2000,
        max_value=2100,
        method=keep_queryset,
        widget=forms.Select(),
    )
    org = ReportOrganizationFilter(
        label="党组织",
        queryset=_report_scope,
        empty_label="全部（我的管理范围）",
        method=keep_queryset,
    )
    table = table_filter([(key, t.title) for key, t in STUDY_TABLES.items()])

    class Meta:
        model = Organization
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = timezone.localdate().year
        years = [(y, str(y)) for y in range(current, current - 5, -1)]
        self.form.fields["year"].widget.choices = years
        self.form.fields["year"].initial = current


class StudyReportView(ReportView):
    """Per 党组织, required course, overdue member, course and member statistics of
    one year in the user's part of the tree; one table at a time, each exportable."""

    page_title = "学习统计"
    header_icon = "table"
    results_template_name = "school/admin/study_report_results.html"
    index_url_name = "school_study_report"
    index_results_url_name = "school_study_report_results"
    forbidden_message = "您没有查看学习统计的权限。"
    forbidden_hint = (
        "学习统计对「党校管理员」和「领导」开放，且只含您管理范围内的党组织。"
    )
    filterset_class = StudyReportFilterSet
    export_sheet_title = "统计"

    def user_may_view(self, user):
        return can_view_report(user)

    @property
    def filter_defaults(self):
        return {"year": str(timezone.localdate().year), "table": "branches"}

    @cached_property
    def year(self) -> int:
        return self.filters.form.cleaned_data["year"]

    @cached_property
    def table_key(self) -> str:
        return self.filters.form.cleaned_data["table"]

    @cached_property
    def table(self) -> StudyTable:
        return STUDY_TABLES[self.table_key]

    @cached_property
    def organizations(self):
        scope = report_organizations(self.request.user)
        root = self.filters.form.cleaned_data.get("org")
        return scope.filter(path__startswith=root.path) if root else scope

    @property
    def verbose_name_plural(self):
        return "行"

    @property
    def paginate_by(self):
        return 50 if self.table_key in ("members", "overdue") else None

    @property
    def columns(self):
        return self.table.columns

    @property
    def table_classname(self):
        return f"listing {self.table.classname}".strip()

    @property
    def no_results_message(self):
        return self.table.empty

    @property
    def list_export(self):
        return [str(i) for i in range(len(self.table.export_header))]

    @property
    def export_headings(self):
        return dict(zip(self.list_export, self.table.export_header, strict=True))

    def to_row_dict(self, item):
        return dict(zip(self.list_export, self.table.export_row(item), strict=True))

    def get_queryset(self):
        return self.table.rows(self.organizations, self.year)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if page is not None and self.table_key == "members":
            for rank, row in enumerate(
                context["object_list"], start=page.start_index()
            ):
                row.rank = rank
        org_rows = (
            context["object_list"]
            if self.table_key == "branches"
            else stats.organization_report(self.organizations, self.year)
        )
        title = self.table.title
        if self.table_key == "overdue":
            title = f"{title}（{context['items_count']} 人次）"
        context.update(
            year=self.year,
            table_key=self.table_key,
            table_title=title,
            summary=org_rows[0] if org_rows else None,
        )
        context["media"] += forms.Media(css={"all": ["school/admin_report.css"]})
        return context

    def get_filename(self):
        return f"study-{self.table_key}-{self.year}"

    def export_audit_detail(self, queryset, spreadsheet_format):
        return f"学习统计 {self.year} {self.table_key}.{spreadsheet_format}"

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if self.table_key == "members":
            queryset = queryset.iterate()  # in chunks, not a query per member
        return super().as_spreadsheet(queryset, spreadsheet_format)


# ---- required courses (必修课指派) ----------------------------------------------------


def _requested_organization_ids(request) -> list[int]:
    """Organisation ids the request asks to assign to: ``organization`` in the query
    string (the 指派必修课 link) and the form's ticks."""
    ids = []
    chosen = id_param(request.GET, "organization")
    if chosen:
        ids.append(chosen)
    if request.method == "POST":
        for value in request.POST.getlist("organizations"):
            if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
                ids.append(int(value))
    return ids


class AssignmentAccessMixin:
    """A 403 page for anyone without the right to assign within some scope (Wagtail
    would redirect to the dashboard)."""

    def dispatch(self, request, *args, **kwargs):
        if not assignment_policy.user_has_any_permission(
            request.user, ["add", "change", "delete", "view"]
        ):
            return forbidden(
                request,
                "您没有指派必修课的权限。",
                "指派必修课需要「党校管理员」角色，并且只能指派给您担任组织管理员的"
                "党组织及其下级。如需开通，请联系站点管理员。",
            )
        return super().dispatch(request, *args, **kwargs)


class AssignmentScopeMixin:
    """A 403 page when the request names organisations outside the user's scope (the
    form would only say the choice is invalid) or the service refuses the save."""

    def dispatch(self, request, *args, **kwargs):
        ids = _requested_organization_ids(request)
        if ids:
            outside = Organization.objects.filter(pk__in=ids).exclude(
                pk__in=organizations_for(request.user)
            )
            if outside.exists():
                return out_of_scope_response(request)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PermissionDenied:
            return out_of_scope_response(self.request)
        except AssignmentError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)


class AssignmentCreateView(
    AssignmentAccessMixin, AssignmentScopeMixin, ChineseCreateMixin, CreateView
):
    def get_initial(self):
        initial = super().get_initial()
        organization = id_param(self.request.GET, "organization")
        course = id_param(self.request.GET, "course")
        if organization:
            initial["organizations"] = [organization]
        if course:
            initial["course"] = course
        return initial

    def save_instance(self):
        return assign_course(**self.form.service_values(), by=self.request.user)


class AssignmentEditView(
    AssignmentAccessMixin, AssignmentScopeMixin, ScopedObjectMixin, EditView
):
    def save_instance(self):
        return change_assignment(
            self.object, **self.form.service_values(), by=self.request.user
        )


class AssignmentDeleteView(AssignmentAccessMixin, ScopedObjectMixin, DeleteView):
    scope_action = "delete"

    def delete_action(self):
        delete_assignment(self.object, by=self.request.user)


class ReachingOrganizationFilter(django_filters.ModelChoiceFilter):
    """Assignments that reach the organisation or something below it."""

    field_class = OrganizationFilterField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(
            Q(organizations__path__startswith=value.path)
            | Q(organizations__path__in=ancestor_paths(value.path))
        ).distinct()


class DeadlineStateFilter(django_filters.ChoiceFilter):
    def filter(self, qs, value):
        today = timezone.localdate()
        if value == "open":
            return qs.filter(deadline__gte=today)
        if value == "closed":
            return qs.filter(deadline__lt=today)
        return qs


def _scope_for_filter(request):
    if request is None:
        return Organization.objects.none()
    return organizations_for(request.user).order_by("path")


def _courses_for_filter(request):
    return (
        CoursePage.objects.filter(assignments__isnull=False)
        .distinct()
        .order_by("title")
    )


class CourseFilter(django_filters.ModelChoiceFilter):
    field_class = CourseChoiceField


class AssignmentFilterSet(WagtailFilterSet):
    course = CourseFilter(label="课程", queryset=_courses_for_filter)
    organization = ReachingOrganizationFilter(
        label="党组织（含上下级）", queryset=_scope_for_filter
    )
    state = DeadlineStateFilter(
        label="状态", choices=[("open", "未截止"), ("closed", "已截止")]
    )

    class Meta:
        model = CourseAssignment
        fields = []


def _organization_names(assignment) -> str:
    return "、".join(org.name for org in assignment.organizations.all())


def _deadline_state(assignment) -> str:
    return "已截止" if assignment.is_past_deadline else "未截止"


class AssignmentHistoryView(AssignmentAccessMixin, ScopedHistoryView):
    pass


class AssignmentIndexView(AssignmentAccessMixin, IndexView):
    filterset_class = AssignmentFilterSet
    default_ordering = "-deadline"

    def get_base_queryset(self):
        return (
            assignment_policy.instances_user_has_any_permission_for(
                self.request.user, ["view", "change", "delete"]
            )
            .select_related("course", "assigned_by")
            .prefetch_related("organizations")
        )

    def get_valid_orderings(self):
        return ["deadline", "-deadline", "created_at", "-created_at"]

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "course",
                label="课程",
                accessor=lambda a: a.course.title,
                get_url=lambda a: self.get_edit_url(a),
            ),
            Column("organizations", label="指派给", accessor=_organization_names),
            Column("deadline", label="截止日期", sort_key="deadline"),
            Column("state", label="状态", accessor=_deadline_state),
            Column("assigned_by", label="指派人"),
            Column("created_at", label="指派时间", sort_key="created_at"),
        ]
