"""Scheduled work on letters: deadline reminders and escalation, the retention purge."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import notices
from ..models import (
    OPEN_STATUSES,
    Letter,
    LetterAttachment,
    LetterEvent,
    LetterStatus,
)
from .deadlines import deadline_flag, working_calendar
from .letters import _delete_files, _event


def send_deadline_reminders(today: date | None = None) -> tuple[int, int]:
    """Remind handlers before the deadline, escalate to leaders after it; safe to rerun."""
    today = today or timezone.localdate()
    calendar = working_calendar()
    reminded = escalated = 0
    for letter in Letter.objects.open().select_related("mailbox"):
        if letter.due_date < today:
            if _claim(letter, "escalated_on", today):
                with transaction.atomic():
                    _event(letter, "escalate", "超期督办", public=False)
                    notices.letter_overdue(letter)
                escalated += 1
        elif deadline_flag(letter, today, calendar) == "due_soon" and _claim(
            letter, "reminder_sent_on", today
        ):
            with transaction.atomic():
                _event(letter, "remind", "即将到期提醒", public=False)
                notices.letter_due_soon(letter)
            reminded += 1
    return reminded, escalated


def _claim(letter: Letter, field: str, today: date) -> bool:
    """Mark the still open letter as reminded or escalated (``field``) today, unless
    it is already marked: only one run, however many run at once, goes on."""
    return bool(
        Letter.objects.filter(
            pk=letter.pk, status__in=OPEN_STATUSES, **{f"{field}__isnull": True}
        ).update(**{field: today})
    )


def purge_personal_data(now=None) -> int:
    """Clear contact data, text and files of finished letters past the retention period."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PORTAL_MAILBOX_RETENTION_DAYS)
    candidates = Letter.objects.filter(
        personal_data_purged_at__isnull=True, submitted_at__lt=cutoff
    ).filter(
        Q(finished_at__lt=cutoff)
        | Q(status=LetterStatus.REPLIED, first_replied_at__lt=cutoff)
    )
    purged = 0
    for letter_id in candidates.values_list("pk", flat=True):
        files = []
        with transaction.atomic():
            letter = Letter.objects.select_for_update().get(pk=letter_id)
            if letter.personal_data_purged_at:
                continue
            files = [a.file.name for a in letter.attachments.all()]
            letter.attachments.all().delete()
            letter.real_name = letter.phone = letter.email = ""
            letter.writer = None
            letter.content = "（已按保存期限清除）"
            letter.satisfaction_comment = ""
            letter.follow_up_question = (
                "（已按保存期限清除）" if letter.follow_up_question else ""
            )
            letter.submission_token_hash = None
            letter.personal_data_purged_at = now
            letter.save()
            LetterEvent.objects.filter(letter=letter).exclude(note="").update(note="")
            _event(letter, "purge", "个人信息已按保存期限清除", public=False)
            transaction.on_commit(lambda names=files: _delete_files(names))
        purged += 1
    return purged


def purge_orphan_letter_files(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored attachment files no letter refers to (left by a crash)."""
    import os

    from ..models import private_storage

    root = private_storage.location
    known = set(LetterAttachment.objects.values_list("file", flat=True))
    deadline = timezone.now().timestamp() - older_than.total_seconds()
    removed = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if relative in known or os.path.getmtime(path) > deadline:
                continue
            if not LetterAttachment.objects.filter(file=relative).exists():
                os.remove(path)
                removed += 1
    return removed
