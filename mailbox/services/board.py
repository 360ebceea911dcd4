"""The message board: posting, moderation, replies, reports and appeals."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from members import ratelimit
from members.fields import lookup_digest
from members.ratelimit import Limit, RateLimited

from .. import notices
from ..models import (
    BoardCategory,
    BoardMessage,
    BoardReport,
    SensitiveWord,
)
from ..permissions import (
    can_moderate_board,
)
from ..sensitive import find_words
from ..signal_handlers import board_message_changed
from .handling import _require


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
