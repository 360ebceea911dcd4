"""Demo vote: 总装车间党支部 elected its committee last month; the result is
confirmed and visible to the branch's members and to xuanchuan (its 组织管理员)."""

import datetime

from django.utils import timezone

TITLE = "总装车间党支部委员会换届选举"
INTRO = (
    "按照党支部工作条例，支部委员会任期届满进行换届。应选支部委员 3 名，"
    "候选人 4 名，差额选举，无记名投票。"
)
CANDIDATES = [
    ("马德胜", "现任支部书记，总装车间主任"),
    ("罗春燕", "现任组织委员，装配班组长"),
    ("高建军", "总装一班党小组长"),
    ("唐桂芳", "总装二班党小组长"),
]
# Which candidates (by position) each ballot names; None is a blank ballot.
BALLOTS = [
    (0, 1, 2),
    (0, 1, 3),
    (0, 1, 2),
    (0, 2, 3),
    (0, 1, 2),
    (1, 2, 3),
    None,
]


def load() -> str:
    """Create the vote if missing; returns a short Chinese summary."""
    from django.contrib.auth import get_user_model

    from members.models import Organization

    from . import services
    from .models import Ballot, Candidate, Election, Participation

    if Election.objects.filter(title=TITLE).exists():
        return f"投票 1 次（已存在）：“{TITLE}”"
    branch = Organization.objects.filter(code="HX-ZZ-01").first()
    staff = get_user_model().objects.filter(username="xuanchuan").first()
    if branch is None or staff is None:
        return "跳过：未找到演示党组织或账号"
    now = timezone.now()
    election = Election.objects.create(
        title=TITLE,
        intro=INTRO,
        organization=branch,
        mode="in_person",
        seats=3,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(hours=1),
        created_by=staff,
    )
    candidates = [
        Candidate.objects.create(election=election, sort_order=i, name=n, note=note)
        for i, (n, note) in enumerate(CANDIDATES)
    ]
    services.open_election(election, by=staff)
    # The meeting a month ago: ballots written as cast_ballot writes them.
    day = timezone.localdate() - datetime.timedelta(days=30)
    electors = list(election.electors.select_related("member")[: len(BALLOTS)])
    for elector, chosen in zip(electors, BALLOTS, strict=False):
        Participation.objects.create(
            election=election, member=elector.member, voted_on=day
        )
        Ballot.objects.create(
            election=election,
            candidates=sorted(candidates[i].pk for i in chosen or ()),
            blank=chosen is None,
            cast_on=day,
            receipt_hash=services.receipt_hash(election, services.new_receipt()),
        )
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 30)))
    Election.objects.filter(pk=election.pk).update(
        opens_at=start, closes_at=start + datetime.timedelta(hours=1)
    )
    election.refresh_from_db()
    services.close_election(election, by=staff)
    services.sign_off(election, by=staff)
    elected = [r["name"] for r in election.result["rows"] if r["elected"]]
    return (
        f"投票 1 次：“{TITLE}”已结束，{election.result['cast']}/"
        f"{election.eligible_count} 人投票，当选 {'、'.join(elected)}"
    )
