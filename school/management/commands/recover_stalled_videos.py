"""Re-queue transcodes whose worker died; run at start-up and every minute beside the worker."""

import time

from django.core.management.base import BaseCommand

from school.services import recover_stalled_videos


class Command(BaseCommand):
    help = "重新排队因任务进程中断而停滞的视频转码，并清理残留的临时文件。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--stall-seconds", type=int, default=None, help="进度多久未更新视为停滞"
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="每隔多少秒检查一次（0 表示只检查一次）",
        )

    def handle(self, *args, stall_seconds, every, **options):
        while True:
            recovered = recover_stalled_videos(stall_seconds)
            if recovered:
                self.stdout.write(f"已重新排队视频：{', '.join(map(str, recovered))}")
            if not every:
                return
            time.sleep(every)
