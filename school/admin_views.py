"""Admin views: retrying a transcode, the study statistics report with exports, and
the required-course assignments (必修课指派)."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView

from home.params import MAX_ID, choice_param, id_param, year_param
from members.admin_views import (
    ChineseCreateMixin,
    ScopedHistoryView,
    ScopedObjectMixin,
    out_of_scope_response,
)
from members.exports import Sheet, export_response
from members.models import Organization
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


def forbidden_response(request, message: str, hint: str) -> TemplateResponse:
    """A 403 page inside the admin saying what is missing (Wagtail would redirect)."""
    return TemplateResponse(
        request,
        "school/admin/forbidden.html",
        {"page_title": "无权访问", "message": message, "hint": hint},
        status=403,
    )


def can_view_report(user) -> bool:
    return user.is_active and user.is_authenticated and user.has_perm(REPORT_PERMISSION)


def report_organizations(user):
    """The user's own part of the tree: their admin scope, else their own branch."""
    try:
        from members.scopes import organizations_for
    except ImportError:
        organizations_for = None
    if user.is_superuser:
        return Organization.objects.all()
    if organizations_for is not None:
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


def study_report(request):
    """Per 党组织 and per course statistics of one year, with CSV/XLSX export."""
    if not can_view_report(request.user):
        return forbidden_response(
            request,
            "您没有查看学习统计的权限。",
            "学习统计对「党校管理员」和「领导」开放，且只含您管理范围内的党组织。",
        )
    today = timezone.localdate()
    year = year_param(request.GET, "year", default=today.year)
    scope = report_organizations(request.user)
    chosen = id_param(request.GET, "org")
    organizations = scope
    root = None
    if chosen:
        root = scope.filter(pk=chosen).first()
        if root is not None:
            organizations = scope.filter(path__startswith=root.path)
    export = choice_param(request.GET, "export", ("csv", "xlsx"))
    table = choice_param(request.GET, "table", EXPORT_TABLES, default="branches")
    if export:
        header, rows = EXPORT_TABLES[table](organizations, year)
        return export_response(
            request,
            sheets=[Sheet(header, rows, title="统计")],
            filename=f"study-{table}-{year}",
            fmt=export,
            audit=f"学习统计 {year} {table}.{export}",
        )
    org_rows = stats.organization_report(organizations, year)
    course_rows = stats.course_report(organizations, year)
    ranking = Paginator(stats.member_ranking(organizations, year), 50).get_page(
        request.GET.get("page")
    )
    required_rows = [
        row for row in required.required_report(organizations, year) if row.assigned
    ]
    overdue = Paginator(required.overdue_members(organizations, year), 50).get_page(
        request.GET.get("opage")
    )
    peak = max((row["completions"] for row in course_rows), default=0) or 1
    for row in course_rows:
        row["width"] = round(row["completions"] * 100 / peak)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    query.pop("opage", None)
    return render(
        request,
        "school/admin/study_report.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "scope": scope.order_by("path"),
            "root": root,
            "org_rows": org_rows,
            "course_rows": course_rows,
            "ranking": ranking,
            "required_rows": required_rows,
            "overdue": overdue,
            "query": query.urlencode(),
            "summary": org_rows[0] if org_rows else None,
        },
    )


def _branch_table(organizations, year: int):
    header = [
        "党组织", "党员数", "参学人数", "参学率", "必修课完成率", "人均学时",
        "达标人数", "未达标人数", "评定",
    ]  # fmt: skip
    rows = (
        [
            row.organization.indented_name,
            row.members,
            row.participants,
            _percent(row.participation_rate),
            _percent(row.completion_rate),
            str(row.average_hours),
            row.reached,
            row.below_target,
            row.appraisal,
        ]
        for row in stats.organization_report(organizations, year)
    )
    return header, rows


def _member_table(organizations, year: int):
    header = ["姓名", "所在党组织", "党内职务", "学时", "目标学时", "是否参学", "评定"]
    rows = (
        [
            row.member.real_name,
            row.member.organization.name,
            row.member.party_post,
            str(row.hours),
            row.target,
            "是" if row.studied else "否",
            row.appraisal,
        ]
        for row in stats.member_ranking(organizations, year).iterate()
    )
    return header, rows


def _required_table(organizations, year: int):
    header = ["党组织", "应学人次", "已完成", "按期完成", "逾期未完成", "完成率"]
    rows = (
        [
            row.organization.indented_name,
            row.assigned,
            row.completed,
            row.on_time,
            row.overdue,
            _percent(row.completion_rate),
        ]
        for row in required.required_report(organizations, year)
        if row.assigned
    )
    return header, rows


def _overdue_table(organizations, year: int):
    header = ["姓名", "党员编号", "所在党组织", "课程", "截止日期", "逾期天数"]
    rows = (
        [
            row.real_name,
            row.member_no,
            row.organization_name,
            row.course_title,
            row.deadline.isoformat(),
            row.days_overdue,
        ]
        for row in required.overdue_members(organizations, year)
    )
    return header, rows


EXPORT_TABLES = {
    "branches": _branch_table,
    "members": _member_table,
    "required": _required_table,
    "overdue": _overdue_table,
}


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
            return forbidden_response(
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
