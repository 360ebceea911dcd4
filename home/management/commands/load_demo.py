"""Load the shipped demo content; safe to run again (nothing is duplicated)."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "加载演示内容（组织、党员、账号、页面）；重复执行不会产生重复数据。"

    def handle(self, *args, **options):
        for app_config in apps.get_app_configs():
            try:
                demo = import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app_config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                summary = demo.load()
            self.stdout.write(f"[{app_config.verbose_name}] {summary}")
        for line in _accounts_help():
            self.stdout.write(line)


def _accounts_help() -> list[str]:
    from members.demo import ACCOUNTS, DEMO_PASSWORD

    lines = ["", f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    lines += [f"  {username:<12} {role}" for username, role, _ in ACCOUNTS]
    return lines
