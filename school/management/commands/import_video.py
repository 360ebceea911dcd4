"""Create a Video from a file on disk and queue its transcode, like an admin upload."""

from django.core.management.base import BaseCommand, CommandError

from school.services import import_video_file
from school.transcoding import VideoRejected


class Command(BaseCommand):
    help = "从磁盘文件导入课程视频并排队转码（与后台上传相同的校验）。"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--title", required=True)

    def handle(self, *args, path, title, **options):
        try:
            video = import_video_file(path, title=title)
        except VideoRejected as exc:
            raise CommandError(f"视频被拒绝：{exc}") from exc
        self.stdout.write(
            f"已导入视频 #{video.pk}「{video.title}」，状态：{video.status_label}"
        )
