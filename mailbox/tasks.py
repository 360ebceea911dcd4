"""Background jobs of the mailbox: mail to writers, handlers and leaders."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from home.addresses import absolute_url

from .models import Letter, LetterReply


def _admin_url(letter: Letter) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "mailbox_letters:inspect", args=[letter.pk]
    )


def _addresses(users) -> list[str]:
    return sorted({u.email for u in users if u.email and u.is_active})


def _staff_mail(letter: Letter, kind: str, extra: dict) -> tuple[list[str], str, str]:
    box = letter.mailbox
    number = letter.tracking_number
    due = f"{letter.due_date:%Y年%m月%d日}"
    link = _admin_url(letter)
    if kind == "awaiting_sign_off":
        return (
            _addresses(box.leaders.all()),
            f"【{box.name}】答复待签发 {number}",
            f"来信 {number} 的答复已拟稿，请审阅签发。\n{link}\n",
        )
    if kind == "reply_returned":
        reply = LetterReply.objects.filter(pk=extra.get("reply_id")).first()
        drafter = [reply.drafted_by] if reply and reply.drafted_by else []
        return (
            _addresses(drafter) or _addresses(box.handlers.all()),
            f"【{box.name}】答复被退回 {number}",
            f"来信 {number} 的答复被退回修改：{reply.review_comment if reply else ''}\n"
            f"{link}\n",
        )
    if kind == "follow_up":
        return (
            _addresses(box.handlers.all()),
            f"【{box.name}】来信人追问 {number}",
            f"来信 {number} 的来信人提出追问，请在 {due} 前答复。\n{link}\n",
        )
    return [], "", ""


_WRITER_MAIL = {
    "accepted": ("您的来信已受理", "您的来信（编号 {number}）已受理，我们将尽快办理。"),
    "rejected": (
        "您的来信不予受理",
        "您的来信（编号 {number}）不予受理，理由：{reason}。",
    ),
    "replied": ("您的来信已答复", "您的来信（编号 {number}）已有答复。"),
}


def _writer_notified(letter: Letter) -> bool:
    """The writer's account has the contact address: its notification mails them."""
    writer = letter.writer
    return bool(
        writer is not None
        and writer.is_active
        and writer.email
        and writer.email.strip().lower() == letter.email.strip().lower()
    )


@task()
def send_letter_notification(letter_id: int, kind: str, **extra) -> int:
    """Mail the people a letter's step concerns; returns the number of mails sent."""
    letter = (
        Letter.objects.select_related("mailbox", "writer").filter(pk=letter_id).first()
    )
    if letter is None:
        return 0
    if kind in _WRITER_MAIL:
        if not letter.email or _writer_notified(letter):
            return 0
        subject, text = _WRITER_MAIL[kind]
        body = text.format(
            number=letter.tracking_number,
            reason=letter.get_reject_reason_display(),
        )
        track = absolute_url(reverse("mailbox:track"))
        body += (
            f"\n请凭信件编号和查询码在 {track} 查看详情。"
            "\n本邮件不含查询码；如非本人来信，请忽略。\n"
        )
        return send_mail(
            f"{subject}（{letter.tracking_number}）",
            body,
            None,
            [letter.email],
        )
    recipients, subject, body = _staff_mail(letter, kind, extra)
    if not recipients:
        return 0
    return send_mail(subject, body, None, recipients)


@task()
def send_mailbox_reminders() -> str:
    """The reminder/escalation run, for schedulers that enqueue tasks."""
    from .services import send_deadline_reminders

    reminded, escalated = send_deadline_reminders()
    return f"{reminded} reminded, {escalated} escalated"


@task()
def purge_mailbox_personal_data() -> str:
    """The retention run, for schedulers that enqueue tasks."""
    from .services import purge_orphan_letter_files, purge_personal_data

    return f"{purge_personal_data()} purged, {purge_orphan_letter_files()} orphans"
