"""Import a generated member list into a fresh SQLite database and print figures.

Usage: .venv/bin/python bench/members_import.py [--rows N]
Prints rows/s for the first import (creates members and accounts), the re-import
(nothing changes), the CSV and XLSX export, and the admin member list for a
branch-scoped user (time and queries per page).
"""

import argparse
import io
import sys
import time

from fresh_site import fresh_site

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏飞建国志新海燕晓东文斌宇航雪琳佳琪浩然亮成"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()

    fresh_site("bench-members-")
    import django
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from members import demo
    from members.importers import export_members, import_members
    from members.models import Member, Organization

    demo.load()
    branches = list(
        Organization.objects.filter(kind__in=["branch", "group"]).values_list(
            "code", flat=True
        )
    )
    lines = ["姓名,党员编号,手机号,所在党组织,党内职务,入党日期"]
    for n in range(args.rows):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
        if n % 3:
            name += GIVEN[(n * 13) % len(GIVEN)]
        lines.append(
            f"{name},B{n:07d},137{n:08d},{branches[n % len(branches)]},党员,"
            f"{1980 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        )
    data = ("\n".join(lines) + "\n").encode("utf-8")

    started = time.perf_counter()
    report = import_members(data, "bench.csv")
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = import_members(data, "bench.csv")
    second = time.perf_counter() - started

    members = Member.objects.all()
    timings = {}
    for fmt in ["csv", "xlsx"]:
        started = time.perf_counter()
        size = len(export_members(members, fmt))
        timings[fmt] = (time.perf_counter() - started, size)

    client = Client()
    client.force_login(
        django.contrib.auth.get_user_model().objects.get(username="xuanchuan")
    )
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members_members:index"), HTTP_HOST="localhost")
    page = time.perf_counter() - started
    assert response.status_code == 200

    total = members.count()
    out = io.StringIO()
    out.write(f"rows in file:            {args.rows}\n")
    out.write(
        f"first import:            {first:.1f} s, {args.rows / first:.0f} rows/s ({report.summary()})\n"
    )
    out.write(
        f"re-import (no changes):  {second:.1f} s, {args.rows / second:.0f} rows/s ({again.summary()})\n"
    )
    for fmt, (seconds, size) in timings.items():
        out.write(
            f"export {fmt:<4} {total} members: {seconds:.2f} s, {size / 1024:.0f} KiB\n"
        )
    out.write(
        f"admin member list (branch-scoped user): {page * 1000:.0f} ms, {len(queries)} queries\n"
    )
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
