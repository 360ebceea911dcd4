"""What the mailbox and the board tell people through notifications.notify().

Recipients are exactly those the mailbox's permissions let open the object: a
letter's writer (their own letter), the handlers and leaders of its mailbox, the
board's moderators, a post's author. Titles and bodies name the letter by number
and subject only for people who may read it, and never carry its content or the
writer's personal data.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from notifications import kinds
from notifications.service import notify

from .models import BoardMessage, Letter

WRITER_KINDS = {
    "letter_replied": "来信已答复",
    "letter_finished": "来信已办结",
    "board_approved": "留言已发布",
    "board_rejected": "留言未通过审核",
    "board_replied": "留言收到回复",
    "board_report_outcome": "留言举报处理结果",
}
STAFF_KINDS = {
    "letter_new": "信箱新来信",
    "letter_due_soon": "来信即将到期",
    "letter_overdue": "来信超期督办",
    "board_pending": "留言待审核",
}


def register_kinds() -> None:
    for key, label in WRITER_KINDS.items():
        kinds.register(key, label)
    for key, label in STAFF_KINDS.items():
        kinds.register(key, label, staff_only=True)


def _admin_letter_url(letter: Letter) -> str:
    return reverse("mailbox_letters:inspect", args=[letter.pk])


def _writer_letter_url(letter: Letter) -> str:
    return reverse("mailbox:my_letter", args=[letter.tracking_number])


# Letters, to the writer's account


def letter_replied(letter: Letter, reply_id: int) -> None:
    """A signed-off reply: the writer's account, if the letter is linked to one."""
    if not letter.writer_id:
        return
    notify(
        [letter.writer_id],
        "letter_replied",
        title="您的来信已答复",
        body=f"来信“{letter.subject}”（编号 {letter.tracking_number}）已有答复，请查看。",
        url=_writer_letter_url(letter),
        dedupe_key=f"letter:{letter.pk}:reply:{reply_id}",
    )


def letter_finished(letter: Letter) -> None:
    """办结 or 不予受理: the writer's account, if any."""
    if not letter.writer_id:
        return
    if letter.status == "rejected":
        title = "您的来信不予受理"
        body = f"来信“{letter.subject}”（编号 {letter.tracking_number}）不予受理，理由见详情。"
    else:
        title = "您的来信已办结"
        body = (
            f"来信“{letter.subject}”（编号 {letter.tracking_number}）已办结，欢迎评价。"
        )
    notify(
        [letter.writer_id],
        "letter_finished",
        title=title,
        body=body,
        url=_writer_letter_url(letter),
        dedupe_key=f"letter:{letter.pk}:finished:{letter.status}",
    )


# Letters, to the mailbox's staff


def _active(users) -> list[int]:
    return [u.pk for u in users if u.is_active]


def letter_new(letter: Letter, *, event_id: int) -> None:
    """A letter arrived in a mailbox (written or transferred): its handlers."""
    box = letter.mailbox
    notify(
        _active(box.handlers.all()),
        "letter_new",
        title=f"“{box.name}”收到新来信 {letter.tracking_number}",
        body=(
            f"{letter.get_letter_type_display()}，"
            f"请在 {letter.due_date:%Y年%m月%d日} 前答复。"
        ),
        url=_admin_letter_url(letter),
        dedupe_key=f"letter:{letter.pk}:new:{event_id}",
    )


def letter_due_soon(letter: Letter) -> None:
    """Before the deadline: the handlers of the letter's mailbox."""
    notify(
        _active(letter.mailbox.handlers.all()),
        "letter_due_soon",
        title=f"来信 {letter.tracking_number} 即将到期",
        body=f"答复期限为 {letter.due_date:%Y年%m月%d日}，目前尚未答复，请抓紧办理。",
        url=_admin_letter_url(letter),
        dedupe_key=f"letter:{letter.pk}:due_soon:{letter.due_date:%Y%m%d}",
    )


def letter_overdue(letter: Letter) -> None:
    """Past the deadline (超期督办): the leaders and handlers of its mailbox."""
    box = letter.mailbox
    notify(
        _active([*box.leaders.all(), *box.handlers.all()]),
        "letter_overdue",
        title=f"超期督办：来信 {letter.tracking_number}",
        body=f"已超过答复期限（{letter.due_date:%Y年%m月%d日}）仍未答复，请督促办理。",
        url=_admin_letter_url(letter),
        dedupe_key=f"letter:{letter.pk}:overdue:{letter.due_date:%Y%m%d}",
    )


# Board


def moderators() -> list[int]:
    """Active accounts holding mailbox.moderate_boardmessage (superusers included),
    as permissions.can_moderate_board decides."""
    User = get_user_model()
    return list(
        User.objects.with_perm(
            "mailbox.moderate_boardmessage",
            is_active=True,
            include_superusers=True,
            backend="django.contrib.auth.backends.ModelBackend",
        ).values_list("pk", flat=True)
    )


def board_pending(message: BoardMessage) -> None:
    """A new post waits for moderation: the moderators."""
    flagged = "（命中敏感词，请重点审核）" if message.flagged_words else ""
    notify(
        moderators(),
        "board_pending",
        title=f"新留言待审核：{message.title}",
        body=f"分类：{message.category.name}{flagged}",
        url=reverse("mailbox_admin:board"),
        dedupe_key=f"board:{message.pk}:pending",
    )


_BOARD_TITLES = {
    "board_approved": "您的留言已发布",
    "board_rejected": "您的留言未通过审核",
    "board_replied": "您的留言收到回复",
    "board_report_outcome": "您的留言经举报核实已隐藏",
}


def board_to_author(message: BoardMessage, kind: str, *, key: str) -> None:
    """Tell a post's author (if they still have an account) what happened to it."""
    if not message.author_id:
        return
    if kind == "board_approved":
        url = reverse("mailbox:board_message", args=[message.pk])
        body = f"留言“{message.title}”已公开发布。"
    elif kind == "board_replied":
        public = (
            message.status == BoardMessage.Status.APPROVED and not message.is_private
        )
        url = (
            reverse("mailbox:board_message", args=[message.pk])
            if public
            else reverse("mailbox:board_mine")
        )
        body = f"留言“{message.title}”收到了工作人员的回复。"
    else:
        url = reverse("mailbox:board_mine")
        body = f"留言“{message.title}”：{message.reject_reason}"
    notify(
        [message.author_id],
        kind,
        title=_BOARD_TITLES[kind],
        body=body,
        url=url,
        dedupe_key=f"board:{message.pk}:{key}",
    )
