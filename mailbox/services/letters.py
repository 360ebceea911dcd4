"""Writing to the leader mailbox and following a letter: submission, tracking,
rating and follow-up questions; the history and notification helpers handling shares.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from members import ratelimit, tracked, tracking
from members.ratelimit import Limit, RateLimited

from .. import notices
from ..models import (
    Letter,
    LetterAttachment,
    LetterEvent,
    LetterStatus,
    LetterType,
    Mailbox,
    Satisfaction,
)
from ..uploads import CheckedFile, UploadRejected, check_upload, size_text
from .deadlines import due_date_for

MAX_ATTACHMENTS = 3


class LetterStateError(ValidationError):
    """The letter is not in a state that allows this step."""


CODE_PURPOSE = "mailbox-query-code"


def _code_key() -> bytes:
    return tracked.code_key(CODE_PURPOSE)


def _token_hash(token: str) -> str:
    return hashlib.sha256(("mailbox-submission:" + token).encode()).hexdigest()


def _event(
    letter: Letter, action: str, label: str, *, by=None, note: str = "", public: bool
) -> LetterEvent:
    event = LetterEvent.objects.create(
        letter=letter,
        action=action,
        label=label,
        note=note,
        is_public=public,
        actor=by if by is not None and by.is_authenticated else None,
    )
    log(
        letter,
        f"mailbox.{action}",
        user=by if by is not None and by.is_authenticated else None,
        data={"label": label, "status": letter.status},
    )
    return event


def _notify(letter: Letter, kind: str, **extra) -> None:
    from ..tasks import send_letter_notification

    transaction.on_commit(
        lambda: send_letter_notification.enqueue(letter.pk, kind, **extra)
    )


def _letter_limits(ip: str | None, user) -> list[Limit]:
    limits = []
    if ip:
        limit, window = settings.PORTAL_MAILBOX_LETTERS_PER_IP
        limits.append(Limit("letter-ip", ip, limit, window))
    if user is not None and user.is_authenticated:
        limit, window = settings.PORTAL_MAILBOX_LETTERS_PER_MEMBER
        limits.append(Limit("letter-user", str(user.pk), limit, window))
    return limits


@dataclass
class LetterData:
    """What the writer typed, already validated by the form."""

    mailbox: Mailbox
    letter_type: str
    subject: str
    content: str
    real_name: str = ""
    phone: str = ""
    email: str = ""
    consent_public: bool = False
    privacy_accepted: bool = False
    submission_token: str = ""


def _validate_letter(data: LetterData) -> None:
    errors = []
    if not data.mailbox.is_active:
        errors.append("该信箱暂停接收来信。")
    if data.letter_type not in LetterType.values:
        errors.append("请选择来信类型。")
    if not data.subject.strip() or len(data.subject) > 40:
        errors.append("标题须为 1—40 个字。")
    if not data.content.strip() or len(data.content) > 3000:
        errors.append("内容须为 1—3000 个字。")
    if not data.privacy_accepted:
        errors.append("请阅读并同意个人信息保护说明。")
    if data.letter_type != LetterType.SUGGEST and not data.real_name.strip():
        errors.append("请填写真实姓名。")
    if data.letter_type != LetterType.SUGGEST and not (data.phone or data.email):
        errors.append("请填写电话或电子邮箱，以便答复您。")
    if errors:
        raise ValidationError(errors)


def submit_letter(
    data: LetterData, *, files: list, ip: str | None, user=None
) -> tuple[Letter, str]:
    """Save a letter and its attachments at once; returns it and its one-time query code.

    Files are written (and flushed) inside the transaction before it commits, so a
    committed letter always has its files; a crash before commit can only leave
    unreferenced files, which `purge_orphan_letter_files` removes. Sending the same
    form twice (same submission token) returns the first letter with a fresh code.
    """
    _validate_letter(data)
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(f"附件最多 {MAX_ATTACHMENTS} 个。")
    checked: list[CheckedFile] = []
    for upload in files:
        if isinstance(upload, CheckedFile):
            checked.append(upload)
            continue
        try:
            checked.append(
                check_upload(
                    upload.name, _read_limited(upload), max_bytes=attachment_limit()
                )
            )
        except UploadRejected as exc:
            raise ValidationError(str(exc)) from exc

    code = tracking.new_query_code()
    code_hash = tracking.hash_query_code(code, key=_code_key())
    token_hash = _token_hash(data.submission_token) if data.submission_token else None
    if token_hash:
        replayed = _replay(token_hash, code_hash)
        if replayed:
            return replayed, code

    limits = _letter_limits(ip, user)
    if not ratelimit.acquire(*limits):
        raise RateLimited("提交过于频繁，请稍后再试。如有急事请直接联系相关部门。")

    now = timezone.now()
    written: list[str] = []
    try:
        with transaction.atomic():
            letter = _create_letter(data, code_hash, token_hash, now, user)
            for index, item in enumerate(checked, start=1):
                attachment = LetterAttachment(letter=letter)
                written.append(attachment.keep(item, f"{index}.{item.extension}"))
                attachment.save()
            submitted = _event(letter, "submit", "来信已提交", by=user, public=True)
            notices.letter_new(letter, event_id=submitted.pk)
    except IntegrityError:
        _delete_files(written)
        ratelimit.release(*limits)
        if token_hash:
            replayed = _replay(token_hash, code_hash)
            if replayed:
                return replayed, code
        raise
    except BaseException:
        _delete_files(written)
        ratelimit.release(*limits)
        raise
    return letter, code


def attachment_limit() -> int:
    """Bytes allowed per letter attachment (PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES)."""
    return settings.PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES


def _read_limited(upload) -> bytes:
    limit = attachment_limit()
    if getattr(upload, "size", 0) and upload.size > limit:
        raise UploadRejected(f"附件“{upload.name}”超过 {size_text(limit)}。")
    upload.seek(0)
    return upload.read(limit + 1)


def _replay(token_hash: str, code_hash: str) -> Letter | None:
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update()
            .filter(submission_token_hash=token_hash)
            .first()
        )
        if letter is None:
            return None
        letter.query_code_hash = code_hash
        letter.save(update_fields=["query_code_hash"])
        _event(letter, "resubmit", "重复提交，已重新生成查询码", public=False)
    return letter


def _create_letter(data, code_hash, token_hash, now, user) -> Letter:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Letter.objects.create(
                    tracking_number=tracking.new_tracking_number(
                        timezone.localdate(now)
                    ),
                    query_code_hash=code_hash,
                    submission_token_hash=token_hash,
                    mailbox=data.mailbox,
                    letter_type=data.letter_type,
                    subject=data.subject.strip(),
                    content=data.content.strip(),
                    writer=user if user is not None and user.is_authenticated else None,
                    real_name=data.real_name.strip(),
                    phone=data.phone.strip(),
                    email=data.email.strip(),
                    consent_public=data.consent_public,
                    privacy_accepted_at=now,
                    submitted_at=now,
                    due_date=due_date_for(
                        timezone.localdate(now), data.mailbox.reply_days
                    ),
                )
        except IntegrityError:
            if (
                token_hash
                and Letter.objects.filter(submission_token_hash=token_hash).exists()
            ):
                raise
    raise IntegrityError("could not find a free tracking number")


def _delete_files(names: list[str]) -> None:
    from ..models import private_storage

    for name in names:
        private_storage.delete(name)


def find_tracked_letter(number: str, code: str, *, ip: str | None) -> Letter | None:
    """The letter for this number and code, or None; wrong tries are rate-limited
    (members.tracked.find_tracked)."""
    return tracked.find_tracked(
        Letter.objects.all(), number, code, ip=ip, purpose=CODE_PURPOSE, scope="track"
    )


def rate_letter(letter: Letter, *, satisfaction: str, comment: str = "") -> Letter:
    """The writer's satisfaction with the reply; once per letter."""
    if satisfaction not in Satisfaction.values:
        raise ValidationError("请选择满意程度。")
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if not letter.can_rate():
            raise LetterStateError("该信件目前不能评价或已评价。")
        letter.satisfaction = satisfaction
        letter.satisfaction_comment = comment.strip()[:500]
        letter.rated_at = timezone.now()
        letter.save(update_fields=["satisfaction", "satisfaction_comment", "rated_at"])
        _event(
            letter,
            "rate",
            f"来信人评价：{letter.get_satisfaction_display()}",
            note=letter.satisfaction_comment,
            public=True,
        )
    return letter


def ask_follow_up(letter: Letter, *, question: str) -> Letter:
    """The writer's one follow-up question; reopens the letter with a new deadline."""
    question = question.strip()
    if not question or len(question) > 1000:
        raise ValidationError("追问内容须为 1—1000 个字。")
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if not letter.can_follow_up():
            raise LetterStateError("每封信只能追问一次，且须在答复之后。")
        letter.follow_up_question = question
        letter.follow_up_at = timezone.now()
        letter.status = LetterStatus.IN_PROGRESS
        letter.due_date = due_date_for(timezone.localdate(), letter.mailbox.reply_days)
        letter.reminder_sent_on = None
        letter.escalated_on = None
        letter.save()
        _event(letter, "follow_up", "来信人追问", note=question, public=True)
        _notify(letter, "follow_up")
    return letter


def new_submission_token() -> str:
    """A random token that makes one filled-in form submit at most one letter."""
    return secrets.token_urlsafe(24)
