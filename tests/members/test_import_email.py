"""The importer's optional 电子邮箱 column: validated, one account per address, errors
in Chinese that reveal nothing outside the importer's scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.importers import EMAIL_CONFLICT, import_members
from members.models import Member

from .factories import UserFactory, make_staff_user
from .test_import_scope import row_messages
from .test_services import csv_bytes

HEADER = ["姓名", "党员编号", "手机号", "所在党组织", "电子邮箱"]


def run(rows, *, by=None):
    return import_members(csv_bytes(rows, header=HEADER), "名单.csv", by=by)


def problems(report) -> dict[int, str]:
    return {problem.row: problem.message for problem in report.problems}


def test_new_members_get_the_address_on_their_account(tree):
    report = run(
        [
            ["张三", "E-1", "", "甲党支部", "zhangsan@example.com"],
            ["李四", "E-2", "", "甲党支部", ""],
        ]
    )
    assert (report.created, report.failed) == (2, 0)
    assert Member.objects.get(member_no="E-1").user.email == "zhangsan@example.com"
    assert Member.objects.get(member_no="E-2").user.email == ""


def test_existing_member_gets_an_address_and_an_empty_cell_keeps_it(tree, member_a):
    row = [member_a.real_name, member_a.member_no, "", "甲党支部", "a@example.com"]
    assert run([row]).updated == 1
    member_a.refresh_from_db()
    assert member_a.user.email == "a@example.com"
    report = run([[member_a.real_name, member_a.member_no, "", "甲党支部", ""]])
    assert (report.unchanged, report.failed) == (1, 0)
    member_a.refresh_from_db()
    assert member_a.user.email == "a@example.com"
    again = run(
        [[member_a.real_name, member_a.member_no, "", "甲党支部", "A@example.com"]]
    )
    assert again.failed == 0


def test_malformed_addresses_are_refused_in_chinese(tree):
    report = run(
        [
            ["甲", "E-1", "", "甲党支部", "not-an-address"],
            ["乙", "E-2", "", "甲党支部", "a@b@c"],
            ["丙", "E-3", "", "甲党支部", "x" * 250 + "@example.com"],
            ["丁", "E-4", "", "甲党支部", "=HYPERLINK(1)@x.cn"],
        ]
    )
    messages = problems(report)
    assert "格式不正确" in messages[2] and "not-an-address" in messages[2]
    assert "格式不正确" in messages[3]
    assert "超过 254 个字符" in messages[4]
    assert "格式不正确" in messages[5]
    assert not Member.objects.filter(member_no__startswith="E-").exists()


def test_the_same_address_twice_in_a_file_is_refused(tree):
    report = run(
        [
            ["甲", "E-1", "", "甲党支部", "same@example.com"],
            ["乙", "E-2", "", "甲党支部", "Same@Example.com"],
        ]
    )
    assert problems(report) == {3: "与第 2 行重复（电子邮箱相同）"}
    assert Member.objects.filter(member_no="E-1").exists()
    assert not Member.objects.filter(member_no="E-2").exists()


def test_address_of_a_member_in_scope_names_them(tree, member_a, member_a1):
    member_a.user.email = "taken@example.com"
    member_a.user.save()
    staff = make_staff_user("宣传员", scope=tree["a"], username="xc_email")
    new = run([["新人", "E-1", "", "甲党支部", "taken@example.com"]], by=staff)
    row = [
        member_a1.real_name,
        member_a1.member_no,
        "",
        "甲党支部",
        "TAKEN@example.com",
    ]
    update = run([row], by=staff)
    named = f"电子邮箱已被党员「{member_a.real_name}」使用"
    assert problems(new) == {2: named}
    assert problems(update) == {2: named}
    member_a1.refresh_from_db()
    assert member_a1.user.email == ""


def test_address_held_outside_the_scope_gets_a_neutral_answer(
    client, tree, member_a, member_b
):
    member_b.user.email = "other-branch@example.com"
    member_b.user.save()
    UserFactory(username="staffer", email="staff@example.com", is_staff=True)
    staff = make_staff_user("宣传员", scope=tree["a"], username="xc_email2")
    client.force_login(staff)
    response = client.post(
        reverse("members_members:import"),
        {
            "file": SimpleUploadedFile(
                "名单.csv",
                csv_bytes(
                    [
                        ["新人", "E-1", "", "甲党支部", "other-branch@example.com"],
                        ["新人二", "E-2", "", "甲党支部", "staff@example.com"],
                    ],
                    header=HEADER,
                ),
            )
        },
    )
    html = response.content.decode()
    assert row_messages(html) == {2: EMAIL_CONFLICT, 3: EMAIL_CONFLICT}
    assert member_b.real_name not in html and "乙党支部" not in html
    assert "staffer" not in html
    assert "电子邮箱" in html  # the column list on the page names it


@pytest.mark.parametrize("title", ["邮箱", "Email", "E-mail", "电子邮件"])
def test_header_aliases(tree, title):
    header = ["姓名", "党员编号", "所在党组织", title]
    report = import_members(
        csv_bytes([["甲", "E-9", "甲党支部", "jia@example.com"]], header=header),
        "x.csv",
    )
    assert report.created == 1
    assert Member.objects.get(member_no="E-9").user.email == "jia@example.com"
