import csv
import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from members.importers import (
    EXPORT_HEADERS,
    OUT_OF_SCOPE_CONFLICT,
    ImportFileError,
    export_members,
    import_members,
)
from members.models import Member, Organization, SecurityEvent
from members.services import (
    MemberDataError,
    create_member,
    create_organization,
    delete_member,
    delete_organization,
    move_organization,
    update_organization,
)

from .factories import MemberFactory, make_staff_user

HEADER = ["姓名", "党员编号", "手机号", "所在党组织", "党内职务", "入党日期"]


def csv_bytes(rows, *, encoding="utf-8", bom=False, header=HEADER):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Members and organisations


def test_creating_a_member_opens_an_account_without_a_usable_password(tree):
    member = create_member(
        real_name="王芳", organization=tree["a"], member_no="A001", phone="13800000001"
    )
    user = member.user
    assert user.username == "A001"
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["党员"]


def test_member_without_number_signs_in_with_phone(tree):
    member = create_member(
        real_name="李强", organization=tree["a"], phone="13800000002"
    )
    assert member.user.username == "13800000002"
    assert member.member_no is None


def test_creating_a_member_outside_scope_is_refused(tree, publicist_a):
    with pytest.raises(PermissionDenied):
        create_member(
            real_name="越权", organization=tree["b"], member_no="B9", by=publicist_a
        )
    assert not Member.objects.filter(member_no="B9").exists()


def test_taken_phone_is_refused_with_a_chinese_message(tree, member_a):
    with pytest.raises(MemberDataError, match="手机号已被其他党员使用"):
        create_member(real_name="重号", organization=tree["a"], phone=member_a.phone)


def test_deleting_a_member_removes_their_member_account(tree, member_a):
    user_id = member_a.user_id
    delete_member(member_a)
    assert not get_user_model().objects.filter(pk=user_id).exists()


def test_child_organisation_must_fit_its_parent(tree):
    with pytest.raises(MemberDataError, match="党支部"):
        create_organization(
            name="错层党总支", kind="general_branch", code="X1", parent=tree["a"]
        )
    group = create_organization(
        name="甲二党小组", kind="group", code="X2", parent=tree["a"]
    )
    assert group.get_parent() == tree["a"]


def test_scoped_staff_adds_children_only_within_scope(tree, publicist_a):
    create_organization(
        name="甲二党小组", kind="group", code="X3", parent=tree["a"], by=publicist_a
    )
    with pytest.raises(PermissionDenied):
        create_organization(
            name="乙一党小组", kind="group", code="X4", parent=tree["b"], by=publicist_a
        )
    with pytest.raises(PermissionDenied):
        create_organization(name="新党委", kind="committee", code="X5", by=publicist_a)


def test_moving_a_branch_carries_its_subtree_and_members(tree, member_a1):
    other = create_organization(
        name="另一党总支", kind="general_branch", code="G2", parent=tree["committee"]
    )
    move_organization(tree["a"], parent=other)
    group = Organization.objects.get(pk=tree["a1"].pk)
    assert group.get_parent().get_parent() == other
    assert list(Member.objects.within(other)) == [member_a1]


def test_cannot_move_into_own_subtree(tree):
    with pytest.raises(MemberDataError, match="自身"):
        move_organization(tree["general"], parent=tree["a"])


def test_scope_root_cannot_be_moved_by_its_administrator(tree, publicist_a):
    with pytest.raises(PermissionDenied):
        move_organization(tree["a"], parent=tree["b"], by=publicist_a)


def test_only_empty_organisations_can_be_deleted(tree, member_b):
    with pytest.raises(MemberDataError, match="下级组织"):
        delete_organization(tree["a"])
    with pytest.raises(MemberDataError, match="1 名党员"):
        delete_organization(tree["b"])
    delete_organization(tree["a1"])
    assert not Organization.objects.filter(pk=tree["a1"].pk).exists()
    assert Organization.objects.get(pk=tree["a"].pk).numchild == 0


def test_changing_a_kind_keeps_the_tree_consistent(tree):
    with pytest.raises(MemberDataError, match="不能设立"):
        update_organization(tree["a"], kind="group")
    with pytest.raises(MemberDataError, match="下级「甲党支部」"):
        update_organization(tree["general"], kind="branch")
    update_organization(tree["a"], name="甲党支部（新）")
    assert Organization.objects.get(pk=tree["a"].pk).name == "甲党支部（新）"


# Import


def test_import_utf8_csv_with_bom_creates_members(tree):
    data = csv_bytes(
        [
            ["张三", "N001", "13800000011", "甲党支部", "书记", "2001-07-01"],
            ["李四", "N002", "138 0000 0012", "T-B", "党员", "2010/5/4"],
        ],
        bom=True,
    )
    report = import_members(data, "名单.csv")
    assert (report.created, report.failed) == (2, 0)
    zhang = Member.objects.get(member_no="N001")
    assert zhang.organization == tree["a"]
    assert zhang.joined_party_on == date(2001, 7, 1)
    li = Member.objects.get(member_no="N002")
    assert (li.phone, li.organization) == ("13800000012", tree["b"])


def test_import_gb18030_csv(tree):
    data = csv_bytes(
        [["欧阳娜娜", "N003", "13800000013", "乙党支部", "宣传委员", "2015年7月1日"]],
        encoding="gb18030",
    )
    report = import_members(data, "gbk.csv")
    assert report.created == 1
    assert Member.objects.get(member_no="N003").real_name == "欧阳娜娜"


def test_import_xlsx_with_date_cells_and_numeric_phones(tree):
    data = xlsx_bytes(
        [
            ["赵六", "N004", 13800000014, "T-A-1", "党员", date(2012, 3, 5)],
            ["钱七", 5005, "13800000015", "甲党支部", "", "2019-07-01"],
        ]
    )
    report = import_members(data, "名单.xlsx")
    assert (report.created, report.failed) == (2, 0)
    zhao = Member.objects.get(member_no="N004")
    assert (zhao.phone, zhao.organization, zhao.joined_party_on) == (
        "13800000014",
        tree["a1"],
        date(2012, 3, 5),
    )
    assert Member.objects.filter(member_no="5005").exists()


def test_bad_rows_are_reported_by_row_number_and_the_rest_imported(tree):
    data = csv_bytes(
        [
            ["好人甲", "G001", "13800000021", "甲党支部", "党员", "2001-07-01"],
            ["日期错", "G002", "13800000022", "甲党支部", "党员", "2001-13-45"],
            ["组织错", "G003", "13800000023", "不存在支部", "党员", ""],
            ["电话错", "G004", "12345", "甲党支部", "党员", ""],
            ["重复号", "G001", "13800000025", "甲党支部", "党员", ""],
            ["", "G006", "13800000026", "甲党支部", "党员", ""],
            ["好人乙", "G007", "13800000027", "乙党支部", "党员", ""],
        ]
    )
    report = import_members(data, "bad.csv")
    assert (report.total, report.created, report.failed) == (7, 2, 5)
    messages = {p.row: p.message for p in report.problems}
    assert "入党日期「2001-13-45」无法识别" in messages[3]
    assert "找不到党组织「不存在支部」" in messages[4]
    assert "手机号「12345」格式不正确" in messages[5]
    assert "与第 2 行重复" in messages[6]
    assert "姓名为空" in messages[7]
    assert set(Member.objects.values_list("member_no", flat=True)) == {"G001", "G007"}
    assert str(report.problems[0]) == "第 3 行：" + messages[3]


def test_reimporting_the_same_file_changes_nothing(tree):
    data = csv_bytes(
        [
            ["张三", "N001", "13800000011", "甲党支部", "书记", "2001-07-01"],
            ["无编号", "", "13800000012", "乙党支部", "党员", ""],
        ]
    )
    import_members(data, "a.csv")
    users = get_user_model().objects.count()
    again = import_members(data, "a.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Member.objects.count() == 2
    assert get_user_model().objects.count() == users


def test_import_updates_a_member_matched_by_phone_and_keeps_blank_cells(tree):
    member = MemberFactory(
        organization=tree["a"],
        member_no=None,
        phone="13800000031",
        party_post="党员",
        joined_party_on=date(2005, 1, 1),
    )
    data = csv_bytes([["新名字", "", "13800000031", "乙党支部", "组织委员", ""]])
    report = import_members(data, "u.csv")
    assert report.updated == 1
    member.refresh_from_db()
    assert (member.real_name, member.organization, member.party_post) == (
        "新名字",
        tree["b"],
        "组织委员",
    )
    assert member.joined_party_on == date(2005, 1, 1)


def test_import_reports_a_number_and_phone_of_two_different_members(tree):
    MemberFactory(organization=tree["a"], member_no="C1", phone="13800000041")
    MemberFactory(organization=tree["a"], member_no="C2", phone="13800000042")
    report = import_members(
        csv_bytes([["某人", "C1", "13800000042", "甲党支部", "", ""]]), "c.csv"
    )
    assert report.failed == 1
    assert "请核对" in report.problems[0].message


def test_ambiguous_organisation_names_ask_for_the_code(tree):
    Organization.objects.get(pk=tree["b"].pk).add_child(
        name="甲一党小组", kind="group", code="T-B-1"
    )
    report = import_members(
        csv_bytes([["某人", "D1", "", "甲一党小组", "", ""]]), "d.csv"
    )
    assert "请改填组织编码" in report.problems[0].message
    report = import_members(
        csv_bytes(
            [["某人", "D1", "", "甲一党小组", "T-B-1", ""]],
            header=["姓名", "党员编号", "手机号", "所在党组织", "组织编码", "入党日期"],
        ),
        "d.csv",
    )
    assert Member.objects.get(member_no="D1").organization.code == "T-B-1"


def test_scoped_import_refuses_rows_outside_the_scope(tree, publicist_a, member_b):
    data = csv_bytes(
        [
            ["本支部", "S1", "", "甲党支部", "", ""],
            ["外支部", "S2", "", "乙党支部", "", ""],
            ["改外人", member_b.member_no, "", "甲党支部", "", ""],
        ]
    )
    report = import_members(data, "s.csv", by=publicist_a)
    assert report.created == 1
    problems = {p.row: p.message for p in report.problems}
    assert problems[3] == "在您管理的范围内找不到党组织「乙党支部」"
    assert problems[4] == OUT_OF_SCOPE_CONFLICT
    member_b.refresh_from_db()
    assert member_b.organization == tree["b"]


def test_missing_header_columns_fail_the_whole_file(tree):
    with pytest.raises(ImportFileError, match="姓名"):
        import_members(
            csv_bytes([["x"]], header=["名称", "手机号", "所在党组织"]), "x.csv"
        )
    with pytest.raises(ImportFileError, match="xlsx"):
        import_members(b"not a zip", "x.xlsx")
    with pytest.raises(ImportFileError, match="旧版"):
        import_members(b"", "old.xls")


# Export


def test_export_round_trip_csv_and_xlsx(tree, member_a, member_b):
    member_a.joined_party_on = date(2010, 7, 1)
    member_a.save()
    for fmt in ["csv", "xlsx"]:
        data = export_members(Member.objects.all(), fmt)
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        else:
            sheet = load_workbook(io.BytesIO(data)).active
            rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == EXPORT_HEADERS
        assert [
            member_a.real_name,
            member_a.member_no,
            "13811112222",
            "甲党支部",
            "T-A",
            "党员",
            "2010-07-01",
            "",
        ] in rows
        report = import_members(data, f"export.{fmt}")
        assert (report.unchanged, report.failed) == (2, 0)


def test_export_neutralises_spreadsheet_formulas(tree):
    MemberFactory(organization=tree["a"], real_name="=HYPERLINK(1)")
    data = export_members(Member.objects.all(), "csv").decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in data
    assert not SecurityEvent.objects.exists()


def test_scoped_staff_export_scope_is_enforced_by_members_for(tree, member_a, member_b):
    from members.scopes import members_for

    staff = make_staff_user("宣传员", scope=tree["a"])
    data = export_members(members_for(staff), "csv").decode("utf-8-sig")
    assert member_a.real_name in data
    assert member_b.real_name not in data


def test_too_many_rows_fail_before_anything_is_written(tree, monkeypatch):
    monkeypatch.setattr("members.importers.MAX_ROWS", 2)
    rows = [[f"人{n}", f"R{n}", "", "甲党支部", "", ""] for n in range(3)]
    with pytest.raises(ImportFileError, match="分批导入"):
        import_members(csv_bytes(rows), "many.csv")
    assert not Member.objects.exists()


def test_title_line_above_the_header_and_month_only_dates_are_understood(tree):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["红星集团党员名单（2026年）"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(["孙丽", "T001", "", "甲党支部", "党员", "2008.06"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_members(buffer.getvalue(), "titled.xlsx")
    assert (report.created, report.failed) == (1, 0)
    assert report.problems == []
    assert Member.objects.get(member_no="T001").joined_party_on == date(2008, 6, 1)
