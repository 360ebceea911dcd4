"""manage.py export_members OUT: write members to CSV or XLSX in the import columns."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from members.importers import export_detail, export_members
from members.models import Member, Organization
from members.scopes import members_for
from members.security import record_event


class Command(BaseCommand):
    help = "导出党员为 CSV 或 XLSX（列与导入相同），每次导出记入安全日志。"

    def add_arguments(self, parser):
        parser.add_argument("output", help="输出文件，扩展名 .csv 或 .xlsx")
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], help="默认按输出文件扩展名"
        )
        parser.add_argument("--as-user", help="只导出该账号管理范围内的党员")
        parser.add_argument("--organization", help="只导出该组织编码及其下级的党员")

    def handle(self, *args, **options):
        output = Path(options["output"])
        fmt = options["format"] or output.suffix.lower().lstrip(".")
        if fmt not in {"csv", "xlsx"}:
            raise CommandError("请用 .csv 或 .xlsx 作为输出文件扩展名，或指定 --format")
        user = None
        members = Member.objects.all()
        scope = "全部"
        if options["as_user"]:
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"找不到账号：{options['as_user']}")
            members = members_for(user)
            scope = f"{user.username} 的管理范围"
        if options["organization"]:
            org = Organization.objects.filter(code=options["organization"]).first()
            if org is None:
                raise CommandError(f"找不到组织编码：{options['organization']}")
            members = members.within(org)
            scope = f"{org.name}及下级"
        data = export_members(members, fmt)
        output.write_bytes(data)
        count = members.count()
        record_event(
            None,
            "export",
            user=user,
            username="" if user is not None else "命令行",
            detail=export_detail(count, fmt, f"命令行，{scope}"),
        )
        self.stdout.write(f"已导出 {count} 名党员到 {output}")
