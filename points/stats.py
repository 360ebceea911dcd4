"""What members and staff read from the ledger: a member's totals and history, and
the rankings of members and of branches within a part of the organisation tree."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from exams.daily import local_day
from members.models import Member, Organization

from .models import PointEntry, PointRule

PERIODS = {"all": "全部", "year": "今年", "month": "本月"}


def period_start(period: str, today: datetime.date | None = None):
    today = today or local_day()
    if period == "year":
        return today.replace(month=1, day=1)
    if period == "month":
        return today.replace(day=1)
    return None


@dataclass
class RuleToday:
    rule: PointRule
    points: int

    @property
    def full(self) -> bool:
        return bool(self.rule.daily_cap) and self.points >= self.rule.daily_cap


def member_summary(member: Member, *, now=None) -> dict:
    today = local_day(now or timezone.now())
    entries = PointEntry.objects.filter(member=member)
    sums = entries.aggregate(
        total=Sum("points"),
        today=Sum("points", filter=Q(day=today)),
        month=Sum("points", filter=Q(day__gte=today.replace(day=1))),
    )
    by_rule = dict(
        entries.filter(day=today)
        .values("rule_id")
        .annotate(n=Sum("points"))
        .values_list("rule_id", "n")
    )
    rules = [
        RuleToday(rule, by_rule.get(rule.pk, 0))
        for rule in PointRule.objects.filter(is_active=True)
    ]
    return {
        "total": sums["total"] or 0,
        "today": sums["today"] or 0,
        "month": sums["month"] or 0,
        "rules": rules,
    }


@dataclass
class MemberRow:
    rank: int
    member: Member
    points: int


def member_ranking(organizations, period: str = "all") -> list[MemberRow]:
    """Members of the organisations by points (ties by name), members with none too."""
    start = period_start(period)
    members = (
        Member.objects.filter(organization__in=organizations)
        .select_related("organization")
        .order_by()
    )
    totals = dict(
        PointEntry.objects.filter(
            member__organization__in=organizations,
            **({"day__gte": start} if start else {}),
        )
        .values("member_id")
        .annotate(n=Sum("points"))
        .values_list("member_id", "n")
    )
    ordered = sorted(
        members, key=lambda m: (-(totals.get(m.pk) or 0), m.real_name, m.pk)
    )
    rows, rank, previous = [], 0, None
    for index, member in enumerate(ordered, start=1):
        points = totals.get(member.pk) or 0
        if points != previous:
            rank, previous = index, points
        rows.append(MemberRow(rank, member, points))
    return rows


@dataclass
class BranchRow:
    rank: int
    organization: Organization
    members: int
    earners: int
    points: int

    @property
    def average(self) -> float:
        return self.points / self.members if self.members else 0.0


def branch_ranking(organizations, period: str = "all") -> list[BranchRow]:
    """Each organisation with members, by points per member (so size does not win);
    ties by the share of members who earned any."""
    start = period_start(period)
    sizes = dict(
        Member.objects.filter(organization__in=organizations)
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    sums = {
        row["member__organization_id"]: row
        for row in PointEntry.objects.filter(
            member__organization__in=organizations,
            **({"day__gte": start} if start else {}),
        )
        .values("member__organization_id")
        .annotate(points=Sum("points"), earners=Count("member_id", distinct=True))
    }
    rows = []
    for organization in Organization.objects.filter(pk__in=list(sizes)):
        found = sums.get(organization.pk, {})
        rows.append(
            BranchRow(
                0, organization, sizes[organization.pk],
                found.get("earners", 0), found.get("points") or 0,
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (-r.average, -(r.earners / r.members), r.organization.path))
    rank, previous = 0, None
    for index, row in enumerate(rows, start=1):
        key = (round(row.average, 6), row.earners * 1.0 / row.members)
        if key != previous:
            rank, previous = index, key
        row.rank = rank
    return rows
