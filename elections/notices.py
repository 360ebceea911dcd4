"""What votes tell members through notifications.notify(): a vote they are on the
register of has started, and, before it closes, a reminder to those who have not
voted yet.

Who has voted is read from Participation (the record written when a ballot is
accepted, which names the voter and never the choice); ballots are never read, so
nothing here can reveal how anyone voted. Each member is told once per vote (and
once per closing time, for reminders: a moved deadline is announced again).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from members import announcements
from members.announcements import moment_label, notify_in_batches

from .models import Election, Elector, Participation, Status

KINDS = {
    "election_open": "投票开始",
    "election_closing": "投票即将截止",
}


def register_kinds() -> None:
    announcements.register_kinds(KINDS)


def _electors(election: Election, *, not_voted: bool) -> list[int]:
    rows = Elector.objects.filter(election=election, member__user__is_active=True)
    if not_voted:
        rows = rows.exclude(
            member_id__in=Participation.objects.filter(election=election).values(
                "member_id"
            )
        )
    return list(rows.order_by("member_id").values_list("member__user_id", flat=True))


def _send(election: Election, user_ids, kind: str, title: str, body: str, key: str):
    url = reverse("elections:ballot", args=[election.pk])
    return notify_in_batches(
        user_ids, kind, title=title, body=body, url=url, dedupe_key=key
    )


def announce_election(election_id: int) -> int:
    """Tell everyone on the register that the vote is on (or about to be);
    returns how many were told. Nothing for votes not open or already over."""
    election = (
        Election.objects.select_related("organization")
        .filter(pk=election_id, status=Status.OPEN)
        .first()
    )
    if election is None or election.phase() not in ("upcoming", "voting"):
        return 0
    return _send(
        election,
        _electors(election, not_voted=True),
        "election_open",
        f"投票：{election.title}",
        f"{election.organization.name}，{moment_label(election.opens_at)} 至 "
        f"{moment_label(election.closes_at)}，请按时投票。",
        f"election_open:{election.pk}",
    )


def send_reminders(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Announce votes that are open and remind those who have not voted of votes
    closing within PORTAL_VOTE_REMINDER_HOURS; safe to run as often as wanted.
    Returns (announced, reminded)."""
    now = now or timezone.now()
    announced = reminded = 0
    running = Election.objects.filter(
        status=Status.OPEN, opens_at__lte=now, closes_at__gt=now
    ).select_related("organization")
    soon = now + datetime.timedelta(hours=settings.PORTAL_VOTE_REMINDER_HOURS)
    for election in running:
        announced += announce_election(election.pk)
        if election.closes_at > soon:
            continue
        reminded += _send(
            election,
            _electors(election, not_voted=True),
            "election_closing",
            f"投票即将截止：{election.title}",
            f"将于 {moment_label(election.closes_at)} 截止，您还没有投票。",
            f"election_closing:{election.pk}:{election.closes_at:%Y%m%d%H%M}",
        )
    return announced, reminded
