"""manage.py import_members FILE: create or update members from a CSV or XLSX file."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from members.importers import ImportFileError, import_members


class Command(BaseCommand):
    help = (
        "从 CSV（UTF-8 或 GB18030）或 XLSX 文件导入党员。表头：姓名、党员编号、手机号、"
        "所在党组织（名称或组织编码）、党内职务、入党日期。按党员编号或手机号更新已有党员，"
        "可重复执行；有行出错时其余行照常导入，最后以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 XLSX 文件路径")
        parser.add_argument(
            "--as-user",
            help="按该账号的管理范围导入（默认不限范围）",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        by = None
        if options["as_user"]:
            by = get_user_model().objects.filter(username=options["as_user"]).first()
            if by is None:
                raise CommandError(f"找不到账号：{options['as_user']}")

        def progress(rows, total):
            return tqdm(
                rows,
                total=total,
                desc="导入党员",
                unit="行",
                file=self.stderr._out,
                disable=options["no_progress"],
            )

        try:
            report = import_members(
                path.read_bytes(), path.name, by=by, progress=progress
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for problem in report.problems:
            self.stderr.write(str(problem))
        self.stdout.write(report.summary())
        if report.failed:
            raise CommandError(
                f"{report.failed} 行未导入，请按上面的提示修改后重新导入"
            )
