"""Periodic: announce running votes, remind those who have not voted before closing."""

from django.core.management.base import BaseCommand

from elections.tasks import send_election_reminders


class Command(BaseCommand):
    help = (
        "通知党员投票开始、提醒尚未投票的党员投票即将截止（可重复运行，每人只通知一次）"
    )

    def handle(self, *args, **options):
        result = send_election_reminders.enqueue()
        self.stdout.write(f"已排队：{result.id}")
