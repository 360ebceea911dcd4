"""Daily: clear personal data past PORTAL_MAILBOX_RETENTION_DAYS and orphaned files."""

from django.core.management.base import BaseCommand

from mailbox.services import purge_orphan_letter_files, purge_personal_data


class Command(BaseCommand):
    help = "按保存期限清除来信中的个人信息，并删除无主附件文件"

    def handle(self, *args, **options):
        purged = purge_personal_data()
        orphans = purge_orphan_letter_files()
        self.stdout.write(f"清除个人信息 {purged} 封，删除无主文件 {orphans} 个")
