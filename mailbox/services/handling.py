"""Handling a letter in the admin, one function a step: accept, reject, transfer,
note, draft, sign off, return, close, reveal the contact, publish and unpublish.

Each checks who may take it, writes inside one transaction, logs to Wagtail's audit
log and to the letter's visible history, and sends mail only after commit.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .. import notices
from ..models import (
    OPEN_STATUSES,
    Letter,
    LetterEvent,
    LetterReply,
    LetterStatus,
    Mailbox,
    RejectReason,
)
from ..permissions import (
    can_handle_letter,
    can_publish_letters,
    can_sign_off,
    can_view_letter,
)
from ..signal_handlers import letter_publication_changed
from .letters import LetterStateError, _event, _notify


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
