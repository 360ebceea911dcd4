"""Periodic: send notification e-mails that are due (retries, missed first sends)."""

from django.core.management.base import BaseCommand

from notifications.service import due_email_ids
from notifications.tasks import send_notification_emails


class Command(BaseCommand):
    help = "发送到期的通知邮件（失败重试、未发出的首次发送）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="在本进程内直接发送，不交给后台任务"
        )

    def handle(self, *args, now: bool, **options):
        ids = due_email_ids()
        if not ids:
            return
        if now:
            from notifications.service import send_emails

            counts = send_emails(ids)
            self.stdout.write(
                f"发送 {counts['sent']} 封，待重试 {counts['retry']} 封，"
                f"失败 {counts['failed']} 封"
            )
        else:
            send_notification_emails.enqueue(ids)
            self.stdout.write(f"已排队 {len(ids)} 封通知邮件")
