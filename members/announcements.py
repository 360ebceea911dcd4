"""Telling members about an activity (a vote, a survey, a 民主评议 round) through
notifications.notify: its notification kinds, the recipients in batches, and times
written as the messages write them."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils import timezone

from notifications import kinds
from notifications.service import notify

BATCH = 500


def register_kinds(labels: dict[str, str]) -> None:
    """An app's notification kinds (key -> label), not mailed unless a user asks."""
    for key, label in labels.items():
        kinds.register(key, label, email_default=False)


def moment_label(moment: datetime.datetime) -> str:
    """A time in local time as messages write it: 3月5日 14:00."""
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def notify_in_batches(
    user_ids: Sequence[int],
    kind: str,
    *,
    title: str,
    body: str,
    url: str,
    dedupe_key: str,
) -> int:
    """notify() the users BATCH at a time; returns how many were told."""
    return sum(
        len(
            notify(
                user_ids[start : start + BATCH],
                kind,
                title=title,
                body=body,
                url=url,
                dedupe_key=dedupe_key,
            )
        )
        for start in range(0, len(user_ids), BATCH)
    )
