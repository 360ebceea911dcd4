"""Admin views: retrying a transcode and the study statistics report with exports."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from home.params import choice_param, id_param, year_param
from members.models import Organization

from . import stats
from .models import Video
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
        raise PermissionDenied
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
    table = choice_param(
        request.GET, "table", ("branches", "members"), default="branches"
    )
    if export:
        _log_export(request, f"学习统计 {year} {table}.{export}")
        header, rows = (
            _member_table(organizations, year)
            if table == "members"
            else _branch_table(organizations, year)
        )
        filename = f"study-{table}-{year}.{export}"
        if export == "csv":
            return _csv_response(filename, header, rows)
        return _xlsx_response(filename, header, rows)
    org_rows = stats.organization_report(organizations, year)
    course_rows = stats.course_report(organizations, year)
    ranking = Paginator(stats.member_ranking(organizations, year), 50).get_page(
        request.GET.get("page")
    )
    peak = max((row["completions"] for row in course_rows), default=0) or 1
    for row in course_rows:
        row["width"] = round(row["completions"] * 100 / peak)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
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


class _Echo:
    def write(self, value):
        return value


def _csv_response(filename: str, header, rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a BOM
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(_safe_cells(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _safe_cells(row):
    """Keep spreadsheet programs from running cell text as a formula."""
    return [
        "'" + cell
        if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@")
        else cell
        for cell in row
    ]


def _xlsx_response(filename: str, header, rows) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("统计")
    sheet.append(header)
    for row in rows:
        sheet.append(_safe_cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _log_export(request, detail: str) -> None:
    try:
        from members.models import SecurityEvent
        from members.security import client_ip
    except ImportError:
        return
    SecurityEvent.objects.create(
        action=SecurityEvent.Action.EXPORT,
        user=request.user,
        username=request.user.get_username(),
        ip_address=client_ip(request),
        detail=detail[:255],
    )
