"""Automatic scoring rules: facts the site already records, counted for one target
organisation (and everything below it) over the plan's period, and the score they
suggest. The superior still confirms every score.

* news: live news articles the organisation published in the period (NewsArticlePage
  .branch, counted with the news app's own in_branch()).
* study: the share of the organisation's members who studied on the site at least
  once in the period (school's StudyDay rows, the records behind its study reports).

Letters answered on time cannot be counted per organisation: a mailbox belongs to a
leader, not to an organisation (mailbox.models.Mailbox), so there is no such rule.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from members.models import Member, Organization

from .models import Rule, TaskItem


@dataclass
class RuleResult:
    """What a rule counted, in words, and the score it suggests."""

    summary: str
    suggested: Decimal
    value: float
    target: int
    lines: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "summary": self.summary,
            "suggested": str(self.suggested),
            "value": self.value,
            "target": self.target,
            "lines": self.lines,
        }


def _proportional(points: Decimal, value: float, target: int) -> Decimal:
    if target <= 0 or value >= target:
        return points
    share = Decimal(str(value)) / Decimal(target)
    return (points * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return first, after


def news_facts(item: TaskItem, organization: Organization) -> RuleResult:
    """Live, public news of the organisation (and below) first published in the period."""
    from news.models import NewsArticlePage

    plan = item.plan
    first, after = _bounds(plan.period_start, plan.period_end)
    articles = (
        NewsArticlePage.objects.live()
        .public()
        .in_branch(organization)
        .filter(first_published_at__gte=first, first_published_at__lt=after)
        .order_by("first_published_at", "pk")
    )
    count = articles.count()
    lines = [
        {
            "title": a.title,
            "url": a.url or "",
            "date": timezone.localdate(a.first_published_at).isoformat(),
        }
        for a in articles[:20]
    ]
    target = item.rule_target or 0
    return RuleResult(
        summary=f"期内发布新闻 {count} 篇（要求不少于 {target} 篇）",
        suggested=_proportional(item.points, count, target),
        value=count,
        target=target,
        lines=lines,
    )


def study_facts(item: TaskItem, organization: Organization) -> RuleResult:
    """Members of the organisation (and below) who studied at least one day in the period."""
    from school.models import StudyDay

    plan = item.plan
    members = Member.objects.filter(organization__path__startswith=organization.path)
    total = members.count()
    studied = (
        StudyDay.objects.filter(
            member__in=members,
            day__gte=plan.period_start,
            day__lte=plan.period_end,
            seconds__gt=0,
        )
        .values("member")
        .distinct()
        .count()
    )
    rate = round(studied * 100 / total, 1) if total else 0.0
    target = item.rule_target or 0
    return RuleResult(
        summary=f"党员 {total} 人，期内参加网上学习 {studied} 人，"
        f"参与率 {rate}%（要求不低于 {target}%）",
        suggested=_proportional(item.points, rate, target),
        value=rate,
        target=target,
        lines=[],
    )


RULES = {Rule.NEWS: news_facts, Rule.STUDY: study_facts}


def evaluate(item: TaskItem, organization: Organization) -> RuleResult | None:
    """The rule's facts and suggested score, or None for a manually scored item."""
    function = RULES.get(item.rule)
    return function(item, organization) if function else None
