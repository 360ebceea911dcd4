import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from members import demo
from members.models import AdminScope, Member, Organization, SecurityEvent

from .test_services import csv_bytes, xlsx_bytes


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_command_reports_bad_rows_and_exits_non_zero(tree, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["张三", "N001", "13800000011", "甲党支部", "书记", "2001-07-01"],
                ["李四", "N002", "13800000012", "无此支部", "党员", ""],
                ["王五", "N003", "13800000013", "T-B", "党员", "明年"],
            ],
            encoding="gb18030",
        )
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 行未导入"):
        call_command("import_members", str(path), stdout=out, stderr=err)
    assert "第 3 行：找不到党组织「无此支部」" in err.getvalue()
    assert "第 4 行：入党日期「明年」无法识别" in err.getvalue()
    assert "新增 1" in out.getvalue() and "失败 2" in out.getvalue()
    assert list(Member.objects.values_list("member_no", flat=True)) == ["N001"]


def test_import_command_shows_progress_and_is_idempotent(tree, tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(
        xlsx_bytes([["赵六", "N004", "13800000014", "甲党支部", "党员", "2012-03-05"]])
    )
    out, err = run("import_members", str(path))
    assert "新增 1" in out
    assert "导入党员" in err and "100%" in err
    out, _ = run("import_members", str(path), "--no-progress")
    assert "新增 0" in out and "无变化 1" in out


def test_import_command_rejects_missing_and_unreadable_files(tree, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("import_members", str(tmp_path / "none.csv"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CommandError, match="无法读取"):
        run("import_members", str(broken))


def test_export_command_writes_the_import_columns_and_is_audited(
    tree, member_a, member_b, tmp_path
):
    path = tmp_path / "out.csv"
    out, _ = run("export_members", str(path))
    assert "已导出 2 名党员" in out
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["姓名", "党员编号", "手机号"]
    assert len(rows) == 3
    event = SecurityEvent.objects.get(action="export")
    assert "2 人" in event.detail and "命令行" in event.detail


def test_export_command_as_user_is_scoped(
    tree, member_a, member_b, publicist_a, tmp_path
):
    path = tmp_path / "out.xlsx"
    run("export_members", str(path), "--as-user", publicist_a.username)
    from openpyxl import load_workbook

    names = [r[0] for r in load_workbook(path).active.iter_rows(values_only=True)]
    assert member_a.real_name in names and member_b.real_name not in names
    assert SecurityEvent.objects.get(action="export").user == publicist_a


def test_demo_load_builds_the_enterprise_tree_and_is_idempotent(db):
    first = demo.load()
    counts = (
        Organization.objects.count(),
        Member.objects.count(),
        get_user_model().objects.count(),
        AdminScope.objects.count(),
    )
    assert "党组织新建 15 个" in first
    kinds = list(Organization.objects.values_list("kind", flat=True))
    assert (kinds.count("committee"), kinds.count("general_branch")) == (1, 3)
    assert kinds.count("branch") == 8
    assert Member.objects.count() >= 30
    assert "新建 0 个，党员新建 0 人，账号新建 0 个" in demo.load()
    assert counts == (
        Organization.objects.count(),
        Member.objects.count(),
        get_user_model().objects.count(),
        AdminScope.objects.count(),
    )


def test_demo_accounts_log_in_with_their_roles(db, client):
    demo.load()
    User = get_user_model()
    for username, role, name in demo.ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.groups.filter(name=role).exists()
        assert user.member.real_name == name
    assert User.objects.get(username="admin").is_superuser
    xuanchuan = User.objects.get(username="xuanchuan")
    assert [s.organization.kind for s in xuanchuan.admin_scopes.all()] == ["branch"]
    assert not User.objects.get(username="dangyuan").has_perm(
        "wagtailadmin.access_admin"
    )
