"""Daily: remind handlers before a letter's deadline and escalate overdue letters."""

from django.core.management.base import BaseCommand

from mailbox.services import send_deadline_reminders


class Command(BaseCommand):
    help = "发送来信到期提醒和超期督办邮件（可重复运行，不会重复发送）"

    def handle(self, *args, **options):
        reminded, escalated = send_deadline_reminders()
        self.stdout.write(f"到期提醒 {reminded} 封，超期督办 {escalated} 封")
