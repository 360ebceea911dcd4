"""Periodic: remind members of required courses due within 7 days, and of overdue ones."""

from django.core.management.base import BaseCommand

from school.notices import send_deadline_reminders


class Command(BaseCommand):
    help = "提醒党员必修课程即将截止或已逾期（可重复运行，每人每项只提醒一次）"

    def handle(self, *args, **options):
        reminded, overdue = send_deadline_reminders()
        self.stdout.write(f"即将截止提醒 {reminded} 条，逾期提醒 {overdue} 条")
