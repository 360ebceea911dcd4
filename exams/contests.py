"""知识竞赛: who may enter, closing at the window's end, and the leaderboards.

A contest is an Exam of kind ``contest`` with a window (starts_at, ends_at), a 主办党组织
and an audience (organisations and everything below them; the 主办党组织's part of the
tree when none is chosen). Attempts are the exams' own: the draw, the time limit, the
server's deadline (never later than the window's end, ``services.deadline_for``), one
open attempt, answers saved one by one, grading once. ``max_attempts`` is the best-of-N:
a member's best attempt counts, ties broken by the shorter time taken.

Boards: by member (best score, then time, then who finished first) and by branch (each
member's own organisation): members, participants, participation rate, the average of
the participants' best scores, and the ranking score = the sum of best scores ÷ the
branch's members (average × participation rate), so a large branch does not win by
size and a branch where few took part does not win by a few good scores.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from members.models import Member, Organization

from .models import Attempt, Exam


def audience_roots(exam: Exam) -> list[Organization]:
    roots = list(exam.audience.all())
    if not roots and exam.organization_id:
        roots = [exam.organization]
    return roots


def audience_organizations(exam: Exam) -> QuerySet[Organization]:
    query = Q(pk__in=[])
    for root in audience_roots(exam):
        query |= Q(path__startswith=root.path)
    return Organization.objects.filter(query)


def in_audience(exam: Exam, member: Member | None) -> bool:
    if member is None or member.organization_id is None:
        return False
    path = member.organization.path
    return any(path.startswith(root.path) for root in audience_roots(exam))


def check_entry(exam: Exam, member: Member, *, now=None) -> None:
    """Refuse a start outside the window or the audience (Chinese messages)."""
    from .services import ExamError

    if not in_audience(exam, member):
        raise ExamError("您不在本次竞赛的参赛范围内。", status=403)
    phase = exam.contest_phase(now)
    if phase == "upcoming":
        start = timezone.localtime(exam.starts_at)
        raise ExamError(f"竞赛尚未开始，{start:%m月%d日 %H:%M} 开始。", status=403)
    if phase == "closed":
        raise ExamError("竞赛已经结束。", status=403)


def contests_for_member(member: Member | None, *, now=None) -> list[Exam]:
    """Active contests whose audience includes the member, newest first."""
    if member is None or member.organization_id is None:
        return []
    contests = (
        Exam.objects.filter(kind=Exam.Kind.CONTEST, is_active=True)
        .select_related("organization")
        .prefetch_related("audience")
        .order_by("-starts_at")
    )
    return [exam for exam in contests if in_audience(exam, member)]


def close_overdue(exam: Exam, *, now=None) -> int:
    """Grade every open attempt whose deadline (and grace) passed; returns how many.
    Called before a board is read, so an attempt left open at the window's end counts
    with what was saved in time."""
    from .services import finish_if_overdue, grace

    now = now or timezone.now()
    overdue = Attempt.objects.open().filter(exam=exam)
    if not (exam.ends_at and exam.ends_at < now - grace()):
        # The window is still open: each attempt's time limit from its start
        # (services.current_deadline, in SQL).
        limit = datetime.timedelta(minutes=exam.time_limit_minutes)
        overdue = overdue.filter(started_at__lt=now - grace() - limit)
    closed = 0
    for attempt in overdue:
        closed += finish_if_overdue(attempt, now=now)
    return closed


@dataclass
class MemberRow:
    rank: int
    member_id: int
    name: str
    organization: str
    score: int
    seconds: float
    attempts: int


@dataclass
class BranchRow:
    rank: int
    organization_id: int
    name: str
    members: int
    participants: int
    average: float
    rate: float
    index: float
    seconds: float | None = None


@dataclass
class Boards:
    members: list[MemberRow] = field(default_factory=list)
    branches: list[BranchRow] = field(default_factory=list)
    participants: int = 0
    audience_members: int = 0


def _best_attempts(exam: Exam, organizations) -> dict[int, dict]:
    """Each member's best submitted attempt: highest score, then shortest time."""
    rows = (
        Attempt.objects.submitted()
        .filter(exam=exam, member__organization__in=organizations)
        .values(
            "member_id",
            "score",
            "started_at",
            "submitted_at",
            "member__real_name",
            "member__organization_id",
        )
    )
    best: dict[int, dict] = {}
    for row in rows:
        row["seconds"] = (row["submitted_at"] - row["started_at"]).total_seconds()
        key = (-(row["score"] or 0), row["seconds"], row["submitted_at"])
        current = best.get(row["member_id"])
        row["attempts"] = (current["attempts"] if current else 0) + 1
        if current is None or key < current["key"]:
            row["key"] = key
            best[row["member_id"]] = row
        else:
            current["attempts"] = row["attempts"]
    return best


def boards(exam: Exam, organizations=None, *, member_limit: int | None = 100) -> Boards:
    """The member and branch boards over the audience, limited to ``organizations``
    (a staff member's scope) when given."""
    scope = audience_organizations(exam)
    if organizations is not None:
        scope = scope.filter(pk__in=organizations.values("pk"))
    names = dict(scope.values_list("pk", "name"))
    best = _best_attempts(exam, scope)
    ranked = sorted(best.values(), key=lambda row: row["key"])
    result = Boards(participants=len(ranked))
    for position, row in enumerate(ranked[:member_limit], start=1):
        result.members.append(
            MemberRow(
                rank=position,
                member_id=row["member_id"],
                name=row["member__real_name"],
                organization=names.get(row["member__organization_id"], ""),
                score=row["score"] or 0,
                seconds=row["seconds"],
                attempts=row["attempts"],
            )
        )
    sizes = dict(
        Member.objects.filter(organization__in=scope)
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    result.audience_members = sum(sizes.values())
    per_branch: dict[int, list[dict]] = {}
    for row in best.values():
        per_branch.setdefault(row["member__organization_id"], []).append(row)
    branches = []
    for organization_id, size in sizes.items():
        rows = per_branch.get(organization_id, [])
        total = sum(row["score"] or 0 for row in rows)
        seconds = sum(row["seconds"] for row in rows) / len(rows) if rows else None
        branches.append(
            BranchRow(
                rank=0,
                organization_id=organization_id,
                name=names.get(organization_id, ""),
                members=size,
                participants=len(rows),
                average=total / len(rows) if rows else 0.0,
                rate=len(rows) / size,
                index=total / size,
                seconds=seconds,
            )
        )
    branches.sort(
        key=lambda b: (-b.index, b.seconds if b.seconds is not None else 1e12, b.name)
    )
    for position, branch in enumerate(branches, start=1):
        branch.rank = position
    result.branches = branches
    return result
