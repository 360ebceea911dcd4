"""Run the site's periodic jobs (PORTAL_SCHEDULE) beside the task worker."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


def run_due_jobs(schedule: list[tuple[str, int, list[str]]]) -> list[str]:
    """Run each job whose interval has passed; the cache claim makes the schedule shared
    by every host using the same cache, so a job runs once per interval site-wide."""
    ran = []
    for command, seconds, args in schedule:
        if not cache.add(f"schedule:{command}", time.time(), timeout=seconds):
            continue
        try:
            call_command(command, *args)
        except Exception:
            logger.exception(
                "periodic job %s failed; it runs again next interval", command
            )
        ran.append(command)
    return ran


class Command(BaseCommand):
    help = "按 PORTAL_SCHEDULE 定时运行维护任务（视频转码恢复、阅读数落库、信箱提醒、个人信息清理等）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只检查一次后退出")
        parser.add_argument("--tick", type=float, default=5.0, help="检查间隔（秒）")

    def handle(self, *args, once: bool, tick: float, **options):
        while True:
            for command in run_due_jobs(settings.PORTAL_SCHEDULE):
                logger.info("periodic job %s done", command)
            if once:
                return
            time.sleep(tick)
