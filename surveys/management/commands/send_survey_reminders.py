"""Periodic: announce running members' surveys, remind those who have not answered."""

from django.core.management.base import BaseCommand

from surveys.tasks import send_survey_reminders


class Command(BaseCommand):
    help = (
        "通知党员调查开始、提醒尚未填写的党员调查即将截止（可重复运行，每人只通知一次）"
    )

    def handle(self, *args, **options):
        result = send_survey_reminders.enqueue()
        self.stdout.write(f"已排队：{result.id}")
