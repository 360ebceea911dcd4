"""积分排行 for staff: members and branches of the user's part of the tree, with
XLSX/CSV export through members.exports."""

from django.core.paginator import Paginator
from django.shortcuts import render

from home.params import choice_param, id_param, int_param
from members.exports import Sheet, export_response
from members.reports import forbidden
from school.admin_views import report_organizations

from . import stats

REPORT_PERMISSION = "points.view_points_report"


def can_view_ranking(user) -> bool:
    return user.is_active and user.is_authenticated and user.has_perm(REPORT_PERMISSION)


def _member_table(rows):
    header = ["名次", "姓名", "所在党组织", "积分"]
    return header, (
        [row.rank, row.member.real_name, row.member.organization.name, row.points]
        for row in rows
    )


def _branch_table(rows):
    header = ["名次", "党组织", "党员数", "得分人数", "总积分", "人均积分"]
    return header, (
        [
            row.rank, row.organization.name, row.members, row.earners, row.points,
            round(row.average, 2),
        ]
        for row in rows
    )  # fmt: skip


def ranking(request):
    """Members by points and branches by points per member, within the scope."""
    if not can_view_ranking(request.user):
        return forbidden(
            request,
            "您没有查看积分排行的权限。",
            "积分排行对「党校管理员」「领导」和「站点管理员」开放，"
            "且只含您管理范围内的党组织。",
        )
    scope = report_organizations(request.user)
    period = choice_param(request.GET, "period", tuple(stats.PERIODS), default="all")
    chosen = id_param(request.GET, "org")
    organizations = scope
    root = None
    if chosen:
        root = scope.filter(pk=chosen).first()
        if root is None:
            return forbidden(
                request,
                "这个党组织不在您的管理范围内。",
                "请从列表中选择您管理范围内的党组织。",
            )
        organizations = scope.filter(path__startswith=root.path)
    members = stats.member_ranking(organizations, period)
    branches = stats.branch_ranking(organizations, period)
    export = choice_param(request.GET, "export", ("csv", "xlsx"))
    if export:
        table = choice_param(
            request.GET, "table", ("members", "branches"), default="members"
        )
        header, rows = (
            _member_table(members) if table == "members" else _branch_table(branches)
        )
        return export_response(
            request,
            sheets=[Sheet(header, rows, title="统计")],
            filename=f"points-{table}-{period}",
            fmt=export,
            audit=f"积分排行 {table} {period}.{export}",
        )
    page_number = int_param(request.GET, "page", default=1, minimum=1, maximum=100000)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "points/admin/ranking.html",
        {
            "members": Paginator(members, 50).get_page(page_number),
            "branches": branches,
            "period": period,
            "periods": stats.PERIODS.items(),
            "scope": scope.order_by("path"),
            "root": root,
            "query": query.urlencode(),
        },
    )
