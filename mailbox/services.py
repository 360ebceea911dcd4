"""Use cases of the leader mailbox and the message board: one function each.

Every function checks permission, writes inside one transaction, logs to Wagtail's
audit log and to the letter's visible history, and sends mail only after commit.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from members import ratelimit, tracked, tracking
from members.fields import lookup_digest
from members.ratelimit import Limit, RateLimited

from . import notices
from .models import (
    OPEN_STATUSES,
    BoardCategory,
    BoardMessage,
    BoardReport,
    CalendarDay,
    Letter,
    LetterAttachment,
    LetterEvent,
    LetterReply,
    LetterStatus,
    LetterType,
    Mailbox,
    RejectReason,
    Satisfaction,
    SensitiveWord,
)
from .permissions import (
    can_handle_letter,
    can_moderate_board,
    can_publish_letters,
    can_sign_off,
    can_view_letter,
)
from .sensitive import find_words
from .signal_handlers import board_message_changed, letter_publication_changed
from .uploads import CheckedFile, UploadRejected, check_upload, size_text
from .workdays import add_working_days, working_days_between

MAX_ATTACHMENTS = 3


class LetterStateError(ValidationError):
    """The letter is not in a state that allows this step."""


# Working days -----------------------------------------------------------------


def working_calendar() -> dict:
    """Holidays and 调休 workdays as keyword arguments for mailbox.workdays."""
    return {
        "holidays": CalendarDay.objects.holidays(),
        "extra_workdays": CalendarDay.objects.extra_workdays(),
    }


def due_date_for(start: date, working_days: int) -> date:
    """The reply deadline: `working_days` working days after `start`."""
    return add_working_days(start, working_days, **working_calendar())


def deadline_flag(letter: Letter, today: date, calendar: dict | None = None) -> str:
    """'overdue', 'due_soon' or '' for an open letter."""
    if letter.status not in OPEN_STATUSES:
        return ""
    if letter.due_date < today:
        return "overdue"
    left = working_days_between(today, letter.due_date, **(calendar or {}))
    if left <= settings.PORTAL_MAILBOX_REMIND_WORKING_DAYS:
        return "due_soon"
    return ""


# Writing and tracking -----------------------------------------------------------


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
    from .tasks import send_letter_notification

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
                attachment = LetterAttachment(
                    letter=letter,
                    display_name=item.display_name,
                    content_type=item.content_type,
                    size=len(item.data),
                    sha256=hashlib.sha256(item.data).hexdigest(),
                )
                attachment.file.save(
                    f"{index}.{item.extension}", ContentFile(item.data), save=False
                )
                written.append(attachment.file.name)
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
    from .models import private_storage

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


# Handling -------------------------------------------------------------------------


def _locked(letter: Letter) -> Letter:
    return (
        Letter.objects.select_for_update().select_related("mailbox").get(pk=letter.pk)
    )


def _require(allowed: bool, message: str = "您无权办理该信件。") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_status(letter: Letter, statuses, step: str) -> None:
    if letter.status not in statuses:
        raise LetterStateError(
            f"信件当前为“{letter.get_status_display()}”，不能{step}。"
        )


def _withdraw_drafts(letter: Letter, why: str) -> None:
    letter.replies.filter(status=LetterReply.Status.AWAITING).update(
        status=LetterReply.Status.RETURNED, review_comment=why
    )


def accept_letter(letter: Letter, *, by) -> Letter:
    """待受理 → 已受理."""
    with transaction.atomic():
        letter = _locked(letter)
        _require(can_handle_letter(by, letter))
        _require_status(letter, [LetterStatus.PENDING], "受理")
        letter.status = LetterStatus.ACCEPTED
        letter.accepted_at = timezone.now()
        letter.save(update_fields=["status", "accepted_at"])
        _event(letter, "accept", "已受理", by=by, public=True)
        _notify(letter, "accepted")
    return letter


def reject_letter(letter: Letter, *, by, reason: str, note: str = "") -> Letter:
    """Refuse a letter with one of the standard reasons (不予受理)."""
    if reason not in RejectReason.values:
        raise ValidationError("请选择不予受理的理由。")
    if reason == RejectReason.OTHER and not note.strip():
        raise ValidationError("选择“其他”时请填写理由说明。")
    with transaction.atomic():
        letter = _locked(letter)
        _require(can_handle_letter(by, letter))
        _require_status(letter, OPEN_STATUSES, "不予受理")
        _withdraw_drafts(letter, "信件不予受理")
        letter.status = LetterStatus.REJECTED
        letter.reject_reason = reason
        letter.reject_note = note.strip()[:300]
        letter.finished_at = timezone.now()
        letter.save(
            update_fields=["status", "reject_reason", "reject_note", "finished_at"]
        )
        _event(
            letter,
            "reject",
            f"不予受理：{letter.get_reject_reason_display()}",
            by=by,
            note=letter.reject_note,
            public=True,
        )
        _notify(letter, "rejected")
        notices.letter_finished(letter)
    return letter


def transfer_letter(letter: Letter, *, by, to: Mailbox, note: str = "") -> Letter:
    """Hand an open letter to another mailbox; it waits there to be accepted."""
    with transaction.atomic():
        letter = _locked(letter)
        _require(can_handle_letter(by, letter))
        _require_status(letter, OPEN_STATUSES, "转办")
        if to.pk == letter.mailbox_id:
            raise ValidationError("请选择另一个信箱。")
        source = letter.mailbox
        _withdraw_drafts(letter, "信件已转办")
        letter.mailbox = to
        letter.status = LetterStatus.PENDING
        letter.save(update_fields=["mailbox", "status"])
        transferred = _event(
            letter,
            "transfer",
            f"由“{source.name}”转至“{to.name}”办理",
            by=by,
            note=note.strip(),
            public=True,
        )
        notices.letter_new(letter, event_id=transferred.pk)
    return letter


def add_note(letter: Letter, *, by, text: str) -> LetterEvent:
    """An internal note; the writer never sees it."""
    text = text.strip()
    if not text:
        raise ValidationError("备注不能为空。")
    with transaction.atomic():
        letter = _locked(letter)
        _require(can_view_letter(by, letter))
        return _event(letter, "note", "内部备注", by=by, note=text[:2000], public=False)


def draft_reply(letter: Letter, *, by, body: str) -> LetterReply:
    """A handler's reply, sent to the mailbox's leader for sign-off."""
    body = body.strip()
    if not body or len(body) > 5000:
        raise ValidationError("答复内容须为 1—5000 个字。")
    with transaction.atomic():
        letter = _locked(letter)
        _require(can_handle_letter(by, letter))
        _require_status(
            letter, [LetterStatus.ACCEPTED, LetterStatus.IN_PROGRESS], "拟写答复"
        )
        reply = letter.replies.filter(status=LetterReply.Status.AWAITING).first()
        if reply:
            reply.body = body
            reply.drafted_by = by
            reply.drafted_at = timezone.now()
            reply.save()
        else:
            reply = LetterReply.objects.create(
                letter=letter,
                body=body,
                drafted_by=by,
                is_follow_up_answer=bool(letter.follow_up_at),
            )
        if letter.status != LetterStatus.IN_PROGRESS:
            letter.status = LetterStatus.IN_PROGRESS
            letter.save(update_fields=["status"])
            _event(letter, "in_progress", "办理中", by=by, public=True)
        _event(letter, "draft_reply", "答复已拟稿，待领导签发", by=by, public=False)
        _notify(letter, "awaiting_sign_off")
    return reply


def sign_off_reply(reply: LetterReply, *, by, comment: str = "") -> LetterReply:
    """The leader approves the draft; the writer can now read it."""
    with transaction.atomic():
        letter = _locked(reply.letter)
        reply = LetterReply.objects.select_for_update().get(pk=reply.pk)
        _require(can_sign_off(by, letter), "只有本信箱的领导可以签发答复。")
        if reply.status != LetterReply.Status.AWAITING:
            raise LetterStateError("该答复不在待签发状态。")
        _require_status(letter, [LetterStatus.IN_PROGRESS], "签发答复")
        now = timezone.now()
        reply.status = LetterReply.Status.SIGNED
        reply.reviewed_by = by
        reply.reviewed_at = now
        reply.review_comment = comment.strip()[:300]
        reply.save()
        letter.status = LetterStatus.REPLIED
        letter.first_replied_at = letter.first_replied_at or now
        letter.save(update_fields=["status", "first_replied_at"])
        _event(letter, "sign_off", "已答复（领导已签发）", by=by, public=True)
        _notify(letter, "replied")
        notices.letter_replied(letter, reply.pk)
    return reply


def return_reply(reply: LetterReply, *, by, comment: str) -> LetterReply:
    """The leader sends the draft back to the handler with a comment."""
    if not comment.strip():
        raise ValidationError("退回时请写明修改意见。")
    with transaction.atomic():
        letter = _locked(reply.letter)
        reply = LetterReply.objects.select_for_update().get(pk=reply.pk)
        _require(can_sign_off(by, letter), "只有本信箱的领导可以退回答复。")
        if reply.status != LetterReply.Status.AWAITING:
            raise LetterStateError("该答复不在待签发状态。")
        reply.status = LetterReply.Status.RETURNED
        reply.reviewed_by = by
        reply.reviewed_at = timezone.now()
        reply.review_comment = comment.strip()[:300]
        reply.save()
        _event(
            letter, "return_reply", "答复被退回修改", by=by, note=comment, public=False
        )
        _notify(letter, "reply_returned", reply_id=reply.pk)
    return reply


def close_letter(letter: Letter, *, by) -> Letter:
    """已答复 → 已办结."""
    with transaction.atomic():
        letter = _locked(letter)
        _require(can_handle_letter(by, letter))
        _require_status(letter, [LetterStatus.REPLIED], "办结")
        letter.status = LetterStatus.CLOSED
        letter.finished_at = timezone.now()
        letter.save(update_fields=["status", "finished_at"])
        _event(letter, "close", "已办结", by=by, public=True)
        notices.letter_finished(letter)
    return letter


def reveal_contact(letter: Letter, *, by) -> dict:
    """The writer's full contact details; every look is logged."""
    with transaction.atomic():
        _require(can_view_letter(by, letter))
        _event(letter, "view_contact", "查看来信人联系方式", by=by, public=False)
    return {"real_name": letter.real_name, "phone": letter.phone, "email": letter.email}


def publish_letter(letter: Letter, *, by, subject: str, content: str) -> Letter:
    """来信选登: a finished, consented letter goes public under edited, anonymous text."""
    _require(can_publish_letters(by), "您无权选登来信。")
    if not subject.strip() or not content.strip():
        raise ValidationError("请填写公开标题和公开内容（须去除个人信息）。")
    with transaction.atomic():
        letter = _locked(letter)
        _require(can_view_letter(by, letter))
        if not letter.consent_public:
            raise LetterStateError("来信人未同意公开，不能选登。")
        _require_status(letter, [LetterStatus.REPLIED, LetterStatus.CLOSED], "选登")
        if not letter.signed_replies:
            raise LetterStateError("没有已签发的答复，不能选登。")
        letter.is_published = True
        letter.published_at = letter.published_at or timezone.now()
        letter.public_subject = subject.strip()[:40]
        letter.public_content = content.strip()[:3000]
        letter.save(
            update_fields=[
                "is_published",
                "published_at",
                "public_subject",
                "public_content",
            ]
        )
        _event(letter, "publish", "来信选登公开", by=by, public=True)
        letter_publication_changed(letter.pk)
    return letter


def unpublish_letter(letter: Letter, *, by) -> Letter:
    """Take a letter off the public list."""
    _require(can_publish_letters(by), "您无权选登来信。")
    with transaction.atomic():
        letter = _locked(letter)
        letter.is_published = False
        letter.save(update_fields=["is_published"])
        _event(letter, "unpublish", "撤销选登", by=by, public=False)
        letter_publication_changed(letter.pk)
    return letter


# Scheduled work --------------------------------------------------------------------


def send_deadline_reminders(today: date | None = None) -> tuple[int, int]:
    """Remind handlers before the deadline, escalate to leaders after it; safe to rerun."""
    today = today or timezone.localdate()
    calendar = working_calendar()
    reminded = escalated = 0
    for letter in Letter.objects.open().select_related("mailbox"):
        if letter.due_date < today:
            claimed = Letter.objects.filter(
                pk=letter.pk, escalated_on__isnull=True, status__in=OPEN_STATUSES
            ).update(escalated_on=today)
            if claimed:
                with transaction.atomic():
                    _event(letter, "escalate", "超期督办", public=False)
                    notices.letter_overdue(letter)
                escalated += 1
        elif deadline_flag(letter, today, calendar) == "due_soon":
            claimed = Letter.objects.filter(
                pk=letter.pk, reminder_sent_on__isnull=True, status__in=OPEN_STATUSES
            ).update(reminder_sent_on=today)
            if claimed:
                with transaction.atomic():
                    _event(letter, "remind", "即将到期提醒", public=False)
                    notices.letter_due_soon(letter)
                reminded += 1
    return reminded, escalated


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

    from .models import private_storage

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


# Message board ----------------------------------------------------------------------


def _member_name(user) -> str:
    member = getattr(user, "member", None)
    return (member.real_name if member else "") or user.get_full_name() or ""


def post_message(
    *, author, category: BoardCategory, title: str, body: str, anonymous: bool
) -> BoardMessage:
    """A member's post; it waits for a reviewer, flagged if sensitive words occur."""
    if author is None or not author.is_authenticated:
        raise PermissionDenied("请先登录再留言。")
    title, body = title.strip(), body.strip()
    if not title or len(title) > 40:
        raise ValidationError("标题须为 1—40 个字。")
    if not body or len(body) > 1000:
        raise ValidationError("内容须为 1—1000 个字。")
    real_name = _member_name(author)
    if not real_name:
        raise PermissionDenied("留言须实名：您的账号没有登记姓名，请联系管理员。")
    words = list(SensitiveWord.objects.values_list("word", "action"))
    found = find_words(f"{title}\n{body}", [w for w, _ in words])
    blocked = {w for w, a in words if a == SensitiveWord.Action.BLOCK}
    if any(w in blocked for w in found):
        raise ValidationError("留言含有不允许发布的内容，请修改后再提交。")
    limit, window = settings.PORTAL_BOARD_POSTS_PER_MEMBER
    posts = Limit("board-user", str(author.pk), limit, window)
    if not ratelimit.acquire(posts):
        raise RateLimited("留言过于频繁，请稍后再试。")
    try:
        with transaction.atomic():
            message = BoardMessage.objects.create(
                author=author,
                author_real_name=real_name,
                show_anonymous=anonymous,
                category=category,
                title=title,
                body=body,
                flagged_words="、".join(found)[:300],
            )
            log(message, "mailbox.board.post", user=author)
            notices.board_pending(message)
    except BaseException:
        ratelimit.release(posts)
        raise
    return message


def _moderate(message: BoardMessage, by) -> BoardMessage:
    _require(can_moderate_board(by), "您无权审核留言。")
    return BoardMessage.objects.select_for_update().get(pk=message.pk)


def approve_message(message: BoardMessage, *, by) -> BoardMessage:
    """Make a pending (or hidden) message public."""
    with transaction.atomic():
        message = _moderate(message, by)
        message.status = BoardMessage.Status.APPROVED
        message.moderated_at = timezone.now()
        message.moderated_by = by
        message.reject_reason = ""
        message.save()
        log(message, "mailbox.board.approve", user=by)
        notices.board_to_author(
            message, "board_approved", key=f"approved:{_stamp(message.moderated_at)}"
        )
    _board_changed(message)
    return message


def reject_message(message: BoardMessage, *, by, reason: str) -> BoardMessage:
    """Refuse a message; the author sees the reason and may appeal."""
    if not reason.strip():
        raise ValidationError("请填写未通过原因。")
    with transaction.atomic():
        message = _moderate(message, by)
        message.status = BoardMessage.Status.REJECTED
        message.moderated_at = timezone.now()
        message.moderated_by = by
        message.reject_reason = reason.strip()[:200]
        message.save()
        log(message, "mailbox.board.reject", user=by, data={"reason": reason})
        notices.board_to_author(
            message, "board_rejected", key=f"rejected:{_stamp(message.moderated_at)}"
        )
    _board_changed(message)
    return message


def hide_message(message: BoardMessage, *, by, reason: str) -> BoardMessage:
    """Take a public message down (after reports); the author may appeal."""
    with transaction.atomic():
        message = _moderate(message, by)
        message.status = BoardMessage.Status.HIDDEN
        message.moderated_at = timezone.now()
        message.moderated_by = by
        message.reject_reason = reason.strip()[:200] or "经核实不宜公开"
        message.save()
        message.reports.update(resolved=True)
        log(message, "mailbox.board.hide", user=by)
        notices.board_to_author(
            message,
            "board_report_outcome",
            key=f"hidden:{_stamp(message.moderated_at)}",
        )
    _board_changed(message)
    return message


def dismiss_reports(message: BoardMessage, *, by) -> int:
    """Reports checked and found groundless: the message stays public."""
    with transaction.atomic():
        message = _moderate(message, by)
        dismissed = message.reports.filter(resolved=False).update(resolved=True)
        log(message, "mailbox.board.dismiss_reports", user=by)
    return dismissed


def reply_to_message(message: BoardMessage, *, by, text: str) -> BoardMessage:
    """A public staff reply shown under the message."""
    text = text.strip()
    if not text or len(text) > 2000:
        raise ValidationError("回复内容须为 1—2000 个字。")
    with transaction.atomic():
        message = _moderate(message, by)
        message.reply = text
        message.replied_at = timezone.now()
        message.replied_by = by
        message.save()
        log(message, "mailbox.board.reply", user=by)
        notices.board_to_author(
            message, "board_replied", key=f"replied:{_stamp(message.replied_at)}"
        )
    _board_changed(message)
    return message


def report_message(
    message: BoardMessage, *, reason: str, reporter=None, ip: str | None
) -> bool:
    """A visitor's 举报; one per person or address. Returns False for a repeat."""
    if message.status != BoardMessage.Status.APPROVED or message.is_private:
        raise PermissionDenied("留言不存在。")
    limit, window = settings.PORTAL_BOARD_REPORTS_PER_IP
    limits = [Limit("board-report-ip", ip, limit, window)] if ip else []
    if not ratelimit.acquire(*limits):
        raise RateLimited("举报过于频繁，请稍后再试。")
    who = (
        f"user:{reporter.pk}" if reporter and reporter.is_authenticated else f"ip:{ip}"
    )
    try:
        with transaction.atomic():
            BoardReport.objects.create(
                message=message,
                reason=reason.strip()[:200] or "未说明",
                reporter=reporter if reporter and reporter.is_authenticated else None,
                reporter_digest=lookup_digest(who),
            )
            BoardMessage.objects.filter(pk=message.pk).update(
                report_count=message.reports.count()
            )
    except IntegrityError:
        ratelimit.release(*limits)
        return False
    except BaseException:
        ratelimit.release(*limits)
        raise
    return True


def appeal_message(message: BoardMessage, *, by, text: str) -> BoardMessage:
    """The author asks for a rejected or hidden message to be reviewed again."""
    text = text.strip()
    if not text or len(text) > 500:
        raise ValidationError("申诉理由须为 1—500 个字。")
    with transaction.atomic():
        message = BoardMessage.objects.select_for_update().get(pk=message.pk)
        _require(message.author_id == by.pk, "只能对自己的留言申诉。")
        if message.status not in (
            BoardMessage.Status.REJECTED,
            BoardMessage.Status.HIDDEN,
        ) or message.appeal_status in (
            BoardMessage.AppealStatus.OPEN,
            BoardMessage.AppealStatus.DENIED,
        ):
            raise ValidationError("该留言目前不能申诉（每条留言可申诉一次）。")
        message.appeal_status = BoardMessage.AppealStatus.OPEN
        message.appeal_text = text
        message.appeal_at = timezone.now()
        message.save()
        log(message, "mailbox.board.appeal", user=by)
    return message


def decide_appeal(message: BoardMessage, *, by, grant: bool) -> BoardMessage:
    """A reviewer upholds (publishes) or denies the author's appeal."""
    with transaction.atomic():
        message = _moderate(message, by)
        if message.appeal_status != BoardMessage.AppealStatus.OPEN:
            raise ValidationError("该留言没有待处理的申诉。")
        if grant:
            message.appeal_status = BoardMessage.AppealStatus.GRANTED
            message.status = BoardMessage.Status.APPROVED
            message.reject_reason = ""
        else:
            message.appeal_status = BoardMessage.AppealStatus.DENIED
        message.moderated_at = timezone.now()
        message.moderated_by = by
        message.save()
        log(
            message,
            "mailbox.board.appeal_granted" if grant else "mailbox.board.appeal_denied",
            user=by,
        )
        notices.board_to_author(
            message,
            "board_approved" if grant else "board_rejected",
            key=f"appeal:{_stamp(message.moderated_at)}",
        )
    _board_changed(message)
    return message


def _stamp(when) -> int:
    return int(when.timestamp() * 1000)


def _board_changed(message: BoardMessage) -> None:
    transaction.on_commit(lambda: board_message_changed(message.pk))


def new_submission_token() -> str:
    """A random token that makes one filled-in form submit at most one letter."""
    return secrets.token_urlsafe(24)
