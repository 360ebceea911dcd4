"""Mark activation codes past their expiry as expired (each one in the security log)."""

from django.core.management.base import BaseCommand

from members.accounts.services import expire_activation_codes


class Command(BaseCommand):
    help = "将过期未用的激活码标记为已过期，并写入安全日志"

    def handle(self, *args, **options):
        count = expire_activation_codes()
        if count:
            self.stdout.write(f"已过期激活码 {count} 个")
