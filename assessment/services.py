"""Use cases of 网上考核: issue, report, score, return, close, rank, publish, remind.

Each state change runs in one transaction and is written to Wagtail's audit log
(plan events on the plan, report events on the target's report; both scoped like
the objects, assessment.permissions). Notifications go through notifications.notify.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from mailbox.uploads import UploadRejected, check_upload, size_text
from members.models import Organization
from members.scopes import can_manage_organization

from . import member_ranking, rules
from .models import (
    AssessmentPlan,
    Band,
    Completion,
    Evidence,
    ItemReport,
    ItemStatus,
    MemberBand,
    PlanStatus,
    Report,
)

PLAN_PERMISSION = "assessment.view_assessmentplan"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_LINKS = 10


class AssessmentError(ValidationError):
    """A refused action, with a Chinese message."""


def _log(obj, action: str, *, by, **data) -> None:
    log(obj, action, user=by, data=data)


def _notify(users, kind: str, *, title: str, body: str, url: str, key: str) -> None:
    from notifications.service import notify

    notify(users, kind, title=title, body=body, url=url, dedupe_key=key)


def staff_of(organization: Organization) -> list:
    """Accounts holding the plan permission whose 组织管理员 scope is the organisation
    itself, else the nearest organisation above it that has any."""
    holders = get_user_model().objects.with_perm(PLAN_PERMISSION, backend=MODEL_BACKEND)
    step = organization.steplen
    for end in range(len(organization.path), 0, -step):
        found = list(
            holders.filter(
                admin_scopes__organization__path=organization.path[:end],
                is_active=True,
            ).distinct()
        )
        if found:
            return found
    return []


# Issuing ------------------------------------------------------------------------------


def check_targets(plan: AssessmentPlan, targets, *, by) -> None:
    """Targets lie strictly below the issuing organisation and within the user's scope."""
    for target in targets:
        if not (
            target.path.startswith(plan.organization.path)
            and target.path != plan.organization.path
        ):
            raise AssessmentError(
                f"“{target.name}”不是{plan.organization.name}的下级党组织。"
            )
        if not can_manage_organization(by, target):
            raise AssessmentError(f"“{target.name}”不在您的管理范围内。")


def issue_plan(plan: AssessmentPlan, *, by) -> AssessmentPlan:
    """Create a report per target and an item report per task; notify the targets."""
    items = list(plan.items.all())
    targets = list(plan.targets.order_by("path"))
    if not items:
        raise AssessmentError("请先填写考核任务清单。")
    if not targets:
        raise AssessmentError("请先选择被考核党组织。")
    check_targets(plan, targets, by=by)
    with transaction.atomic():
        locked = AssessmentPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != PlanStatus.DRAFT:
            raise AssessmentError("只有草稿状态的考核方案才能下发。")
        for target in targets:
            report = Report.objects.create(plan=plan, organization=target)
            ItemReport.objects.bulk_create(
                [ItemReport(report=report, item=item) for item in items]
            )
        plan.status = PlanStatus.ISSUED
        plan.issued_at = timezone.now()
        plan.save(update_fields=["status", "issued_at"])
        _log(
            plan,
            "assessment.issue",
            by=by,
            title=plan.title,
            targets=[t.name for t in targets],
            items=len(items),
        )
        for report in plan.reports.select_related("organization"):
            _notify(
                staff_of(report.organization),
                "assessment_issued",
                title=f"收到考核任务：{plan.title}",
                body=f"{plan.organization.name}下发了 {len(items)} 项考核任务，"
                f"请按期报送完成情况和佐证材料。",
                url=reverse("assessment_report", args=[report.pk]),
                key=f"assessment-issued:{report.pk}",
            )
    return plan


# Reporting ----------------------------------------------------------------------------


@dataclass
class ItemData:
    """What a target reports on one item."""

    completion: str
    text: str = ""
    links: str = ""


def clean_links(raw: str) -> str:
    """Local addresses of this site only, one a line (links to what the site knows)."""
    lines = [line.strip() for line in (raw or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINKS:
        raise AssessmentError(f"本站链接最多 {MAX_LINKS} 个。")
    for line in lines:
        if not line.startswith("/") or line.startswith("//") or len(line) > 200:
            raise AssessmentError(
                f"“{line[:40]}”不是本站页面地址（请填写以 / 开头的站内地址）。"
            )
        if any(ch.isspace() or ord(ch) < 32 for ch in line):
            raise AssessmentError("本站链接中不能有空格或控制字符。")
    return "\n".join(lines)


def check_files(files) -> list:
    """Each upload checked by content (mailbox.uploads); refusal names the file."""
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise AssessmentError(f"每次最多上传 {MAX_FILES} 个文件。")
    checked = []
    for upload in files:
        if getattr(upload, "size", 0) and upload.size > MAX_FILE_BYTES:
            raise AssessmentError(
                f"附件“{upload.name}”超过 {size_text(MAX_FILE_BYTES)}。"
            )
        upload.seek(0)
        data = upload.read(MAX_FILE_BYTES + 1)
        try:
            checked.append(check_upload(upload.name, data, max_bytes=MAX_FILE_BYTES))
        except UploadRejected as exc:
            raise AssessmentError(str(exc)) from exc
    return checked


def refresh_facts(item_report: ItemReport) -> rules.RuleResult | None:
    """Recount the item's rule for the report's organisation and store the facts."""
    result = rules.evaluate(item_report.item, item_report.report.organization)
    if result is None:
        return None
    item_report.facts = result.as_dict()
    item_report.suggested_score = result.suggested
    item_report.save(update_fields=["facts", "suggested_score"])
    return result


def submit_item(item_report: ItemReport, data: ItemData, *, files=(), by) -> ItemReport:
    """Report one item (again, until it is scored); files are checked before writing."""
    if data.completion not in Completion.values:
        raise AssessmentError("请选择完成情况。")
    text = (data.text or "").strip()
    if len(text) > 3000:
        raise AssessmentError("完成情况说明不能超过 3000 字。")
    links = clean_links(data.links)
    checked = check_files(files)
    stored = []
    try:
        with transaction.atomic():
            locked = ItemReport.objects.select_for_update().get(pk=item_report.pk)
            plan = item_report.report.plan
            if AssessmentPlan.objects.get(pk=plan.pk).status != PlanStatus.ISSUED:
                raise AssessmentError("考核未在进行中，不能报送。")
            if locked.status == ItemStatus.SCORED:
                raise AssessmentError("该项已评分，如需补充请联系上级党组织退回。")
            if locked.evidence.count() + len(checked) > MAX_FILES * 2:
                raise AssessmentError(f"每项佐证材料最多 {MAX_FILES * 2} 个文件。")
            item_report.completion = data.completion
            item_report.text = text
            item_report.links = links
            item_report.status = ItemStatus.SUBMITTED
            item_report.return_reason = ""
            item_report.reported_at = timezone.now()
            item_report.reported_by = by
            item_report.save()
            for file in checked:
                evidence = Evidence(item_report=item_report, uploaded_by=by)
                stored.append(evidence.keep(file, "evidence"))
                evidence.save()
            refresh_facts(item_report)
            _log(
                item_report.report,
                "assessment.report",
                by=by,
                item=item_report.item.title,
                completion=item_report.get_completion_display(),
                files=len(checked),
            )
    except BaseException:
        from .models import private_storage

        for name in stored:
            private_storage.delete(name)
        raise
    return item_report


# Scoring --------------------------------------------------------------------------------


def points_text(points: Decimal) -> str:
    """50.0 as 50, 7.5 as 7.5."""
    return str(points.to_integral()) if points == points.to_integral() else str(points)


def parse_score(raw, points: Decimal) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise AssessmentError("得分请填写数字。") from exc
    if not value.is_finite():
        raise AssessmentError("得分请填写数字。")
    if value < 0 or value > points:
        raise AssessmentError(f"得分须在 0 到 {points_text(points)} 之间。")
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _issued(item_report: ItemReport) -> None:
    if item_report.report.plan.status != PlanStatus.ISSUED:
        raise AssessmentError("考核未在进行中，不能评分或退回。")


def score_item(item_report: ItemReport, *, score, comment: str = "", by) -> ItemReport:
    """Score a reported item (again, until the period closes); a rule's facts are
    recounted first and logged with the score."""
    _issued(item_report)
    value = parse_score(score, item_report.item.points)
    comment = (comment or "").strip()[:500]
    with transaction.atomic():
        locked = ItemReport.objects.select_for_update().get(pk=item_report.pk)
        if locked.status not in (ItemStatus.SUBMITTED, ItemStatus.SCORED):
            raise AssessmentError("该项尚未报送，不能评分。")
        before = locked.score
        facts = refresh_facts(item_report)
        item_report.score = value
        item_report.comment = comment
        item_report.status = ItemStatus.SCORED
        item_report.scored_at = timezone.now()
        item_report.scored_by = by
        item_report.save(
            update_fields=["score", "comment", "status", "scored_at", "scored_by"]
        )
        _log(
            item_report.report,
            "assessment.score",
            by=by,
            item=item_report.item.title,
            score=str(value),
            before=str(before) if before is not None else None,
            comment=comment,
            facts=facts.summary if facts else None,
        )
    return item_report


def return_item(item_report: ItemReport, *, reason: str, by) -> ItemReport:
    """Send a reported item back for more evidence; the target's staff are told."""
    _issued(item_report)
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("请填写退回原因（需要补充什么材料）。")
    reason = reason[:500]
    with transaction.atomic():
        locked = ItemReport.objects.select_for_update().get(pk=item_report.pk)
        if locked.status not in (ItemStatus.SUBMITTED, ItemStatus.SCORED):
            raise AssessmentError("只有已报送的任务才能退回。")
        item_report.status = ItemStatus.RETURNED
        item_report.return_reason = reason
        item_report.score = None
        item_report.save(update_fields=["status", "return_reason", "score"])
        _log(
            item_report.report,
            "assessment.return",
            by=by,
            item=item_report.item.title,
            reason=reason,
        )
        report = item_report.report
        _notify(
            staff_of(report.organization),
            "assessment_returned",
            title=f"考核任务被退回补充：{item_report.item.title}",
            body=f"{report.plan.title}：{reason}",
            url=reverse("assessment_report", args=[report.pk]),
            key=f"assessment-returned:{item_report.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
        )
    return item_report


# Closing and ranking ---------------------------------------------------------------------


@dataclass
class ResultRow:
    report: Report
    total: Decimal
    percent: Decimal
    rank: int
    band: str


def max_points(plan: AssessmentPlan) -> Decimal:
    return plan.items.aggregate(total=Sum("points"))["total"] or Decimal("0")


def compute_results(plan: AssessmentPlan) -> list[ResultRow]:
    """Totals of scored items per report, ranked (ties share a rank) and banded."""
    full = max_points(plan)
    reports = list(plan.reports.select_related("organization"))
    totals = {
        row["report"]: row["total"] or Decimal("0")
        for row in ItemReport.objects.filter(
            report__plan=plan, status=ItemStatus.SCORED
        )
        .values("report")
        .annotate(total=Sum("score"))
    }
    rows = []
    for report in reports:
        total = totals.get(report.pk, Decimal("0"))
        percent = (
            (total * 100 / full).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if full
            else Decimal("0")
        )
        rows.append(ResultRow(report, total, percent, 0, plan.band_for(percent)))
    rows.sort(key=lambda r: (-r.total, r.report.organization.path))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.total != previous:
            rank, previous = position, row.total
        row.rank = rank
    return rows


def results(plan: AssessmentPlan) -> list[ResultRow]:
    """The stored result once closed, else the standing so far."""
    if plan.status != PlanStatus.CLOSED:
        return compute_results(plan)
    reports = plan.reports.select_related("organization").order_by(
        "rank", "organization__path"
    )
    return [
        ResultRow(r, r.total or Decimal("0"), r.percent or Decimal("0"), r.rank, r.band)
        for r in reports
    ]


def close_plan(plan: AssessmentPlan, *, by) -> list[ResultRow]:
    """End the period: every reported item must be scored; unreported items count 0.
    Totals, ranks and bands are written onto the reports (the period's history)."""
    with transaction.atomic():
        locked = AssessmentPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != PlanStatus.ISSUED:
            raise AssessmentError("只有考核中的方案才能结束。")
        unscored = ItemReport.objects.filter(
            report__plan=plan, status=ItemStatus.SUBMITTED
        ).count()
        if unscored:
            raise AssessmentError(f"还有 {unscored} 项已报送的任务未评分，请先评分。")
        rows = compute_results(plan)
        for row in rows:
            report = row.report
            report.total, report.percent = row.total, row.percent
            report.rank, report.band = row.rank, row.band
            report.save(update_fields=["total", "percent", "rank", "band"])
        members = member_ranking.compute(plan, [row.report for row in rows])
        member_ranking.save(plan, members)
        plan.status = PlanStatus.CLOSED
        plan.closed_at = timezone.now()
        plan.save(update_fields=["status", "closed_at"])
        _log(
            plan,
            "assessment.close",
            by=by,
            title=plan.title,
            ranking=[
                [r.rank, r.report.organization.name, str(r.total), r.band] for r in rows
            ],
            members=member_ranking.band_counts(members),
        )
        for row in rows:
            _log(
                row.report,
                "assessment.rank_members",
                by=by,
                members=[
                    [m.rank, m.member_name, str(m.percent), m.band]
                    for m in members
                    if m.report_id == row.report.pk
                ],
            )
    return rows


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _members_paragraph(plan: AssessmentPlan) -> str:
    """The member ranking in the 公示: how many in each band and the 先进党员 by name
    (不合格 names are dealt with inside the branch, not published)."""
    from django.utils.html import escape

    rows = member_ranking.stored(plan)
    if not rows:
        return ""
    counts = member_ranking.band_counts(rows)
    summary = "，".join(f"{band.label} {counts[band.value]} 名" for band in MemberBand)
    excellent = "".join(
        f"<li>{escape(r.organization_name)} {escape(r.member_name)}"
        f"（综合得分率 {r.percent}%）</li>"
        for r in rows
        if r.band == MemberBand.EXCELLENT
    )
    return (
        f"<p>被考核党组织的 {len(rows)} 名党员按本人学习、考试、每日答题和民主评议"
        f"综合评定（综合得分率不低于 {plan.member_excellent_percent}% 为先进党员，"
        f"不低于 {plan.member_qualified_percent}% 为合格党员）：{summary}。</p>"
        + (f"<p>先进党员：</p><ol>{excellent}</ol>" if excellent else "")
    )


def publish_notice(plan: AssessmentPlan, *, by, days: int = 5):
    """A draft 考核结果公示 through the notices app; returns the NoticePage."""
    from django.utils.html import escape

    from notices.models import NoticeType
    from notices.services import draft_notice

    if plan.status != PlanStatus.CLOSED:
        raise AssessmentError("考核结束后才能发布结果公示。")
    if plan.notice_id:
        raise AssessmentError("已经生成过考核结果公示。")
    rows = results(plan)
    full = max_points(plan)
    lines = "".join(
        f"<li>第 {r.rank} 名 {escape(r.report.organization.name)}："
        f"{r.total} 分（得分率 {r.percent}%），{Band(r.band).label}</li>"
        for r in rows
    )
    body = (
        f"<p>{escape(plan.organization.name)}对所属党组织开展了"
        f"“{escape(plan.title)}”（{_day(plan.period_start)}至"
        f"{_day(plan.period_end)}），满分 {points_text(full)} 分，得分率不低于 "
        f"{plan.excellent_percent}% 为先进党组织，不低于 {plan.qualified_percent}% "
        f"为合格党组织。考核结果如下：</p><ol>{lines}</ol>"
        f"{_members_paragraph(plan)}"
        "<p>公示期间如有意见，请实名反馈。</p>"
    )
    with transaction.atomic():
        notice = draft_notice(
            title=f"{plan.title}结果公示",
            notice_type=NoticeType.ASSESSMENT,
            organization=plan.organization,
            body=body,
            by=by,
            days=days,
        )
        plan.notice = notice
        plan.save(update_fields=["notice"])
        _log(plan, "assessment.publish", by=by, title=plan.title, notice=notice.pk)
    return notice


# Reminders -----------------------------------------------------------------------------


def send_reminders(today=None) -> tuple[int, int]:
    """Overdue items to the target's staff, unscored reports to the issuer's staff;
    each once a day at most (dedupe keys). Returns (overdue, unscored) notified."""
    today = today or timezone.localdate()
    overdue = 0
    pending = (
        ItemReport.objects.filter(
            report__plan__status=PlanStatus.ISSUED,
            status__in=[ItemStatus.PENDING, ItemStatus.RETURNED],
            item__due_date__lt=today,
        )
        .select_related("report__organization", "report__plan", "item")
        .order_by("report", "item__sort_order")
    )
    by_report: dict[int, list[ItemReport]] = {}
    for item_report in pending:
        by_report.setdefault(item_report.report_id, []).append(item_report)
    for items in by_report.values():
        report = items[0].report
        names = "、".join(i.item.title for i in items[:5])
        sent = _notify_count(
            staff_of(report.organization),
            "assessment_overdue",
            title=f"考核任务逾期未报送：{report.plan.title}",
            body=f"{len(items)} 项任务已过报送截止日期：{names}。",
            url=reverse("assessment_report", args=[report.pk]),
            key=f"assessment-overdue:{report.pk}:{today.isoformat()}",
        )
        overdue += sent
    unscored = 0
    waiting = (
        ItemReport.objects.filter(
            report__plan__status=PlanStatus.ISSUED, status=ItemStatus.SUBMITTED
        )
        .values("report__plan")
        .annotate(n=Count("pk"))
    )
    counts = {row["report__plan"]: row["n"] for row in waiting}
    for plan in AssessmentPlan.objects.filter(pk__in=counts).select_related(
        "organization"
    ):
        unscored += _notify_count(
            staff_of(plan.organization),
            "assessment_unscored",
            title=f"考核报送待评分：{plan.title}",
            body=f"有 {counts[plan.pk]} 项已报送的任务等待评分。",
            url=reverse("assessment_plan", args=[plan.pk]),
            key=f"assessment-unscored:{plan.pk}:{today.isoformat()}",
        )
    return overdue, unscored


def _notify_count(users, kind, *, title, body, url, key) -> int:
    from notifications.service import notify

    return len(notify(users, kind, title=title, body=body, url=url, dedupe_key=key))
