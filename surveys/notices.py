"""What surveys tell members through notifications.notify(): a survey for members
(all members, or an organisation and below) has started, and, before it closes, a
reminder to those who have not answered.

Whether someone has answered is read from the respondent key stored with each
response (a keyed digest of the survey and the account, see
services.respondent_key), never from the answers, so anonymous surveys stay
anonymous. Each member is told once per survey (and once per closing time, for
reminders).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from members import announcements
from members.announcements import moment_label, notify_in_batches
from members.models import Member

from .models import Audience, Survey

KINDS = {
    "survey_open": "调查开始",
    "survey_closing": "调查即将截止",
}


def register_kinds() -> None:
    announcements.register_kinds(KINDS)


def audience_user_ids(survey: Survey) -> list[int]:
    """Active accounts of the members a members' survey is for ([] for public ones)."""
    if survey.audience == Audience.PUBLIC:
        return []
    members = Member.objects.filter(user__is_active=True)
    if survey.audience == Audience.ORGANIZATION:
        members = members.within(survey.audience_organization)
    return list(members.order_by("user_id").values_list("user_id", flat=True))


def _not_answered(survey: Survey, user_ids: list[int]) -> list[int]:
    from .services import respondent_key

    answered = set(survey.responses.values_list("respondent_key", flat=True))
    User = get_user_model()
    return [
        pk
        for pk in user_ids
        if respondent_key(survey, user=User(pk=pk)) not in answered
    ]


def _send(survey: Survey, user_ids, kind: str, title: str, body: str, key: str):
    url = reverse("surveys:answer", args=[survey.pk])
    return notify_in_batches(
        user_ids, kind, title=title, body=body, url=url, dedupe_key=key
    )


def announce_survey(survey_id: int) -> int:
    """Tell the members a running members' survey is for that it has started;
    returns how many were told (0 for public surveys and those not running)."""
    survey = (
        Survey.objects.select_related("audience_organization")
        .filter(pk=survey_id)
        .first()
    )
    if survey is None or survey.state() != "open":
        return 0
    return _send(
        survey,
        _not_answered(survey, audience_user_ids(survey)),
        "survey_open",
        f"调查：{survey.title}",
        f"请在 {moment_label(survey.closes_at)} 前填写。",
        f"survey_open:{survey.pk}",
    )


def send_reminders(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Announce running members' surveys and remind those who have not answered
    surveys closing within PORTAL_SURVEY_REMINDER_HOURS; safe to run as often as
    wanted. Returns (announced, reminded)."""
    now = now or timezone.now()
    announced = reminded = 0
    soon = now + datetime.timedelta(hours=settings.PORTAL_VOTE_REMINDER_HOURS)
    running = (
        Survey.objects.open_at(now)
        .exclude(audience=Audience.PUBLIC)
        .select_related("audience_organization")
    )
    for survey in running:
        announced += announce_survey(survey.pk)
        if survey.closes_at > soon:
            continue
        reminded += _send(
            survey,
            _not_answered(survey, audience_user_ids(survey)),
            "survey_closing",
            f"调查即将截止：{survey.title}",
            f"将于 {moment_label(survey.closes_at)} 截止，您还没有填写。",
            f"survey_closing:{survey.pk}:{survey.closes_at:%Y%m%d%H%M}",
        )
    return announced, reminded
