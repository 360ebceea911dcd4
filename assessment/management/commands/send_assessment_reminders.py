"""Hourly (PORTAL_SCHEDULE): enqueue the 网上考核 reminders job."""

from django.core.management.base import BaseCommand

from assessment.tasks import send_assessment_reminders


class Command(BaseCommand):
    help = "提醒逾期未报送的考核任务和待评分的报送（每天每项至多一次）"

    def handle(self, *args, **options):
        result = send_assessment_reminders.enqueue()
        self.stdout.write(f"已加入任务队列：{result.id}")
