"""A 组织管理员's import through the admin reveals nothing outside their scope."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.importers import OUT_OF_SCOPE_CONFLICT
from members.models import Member

from .factories import UserFactory, make_site_admin
from .test_services import csv_bytes


@pytest.fixture
def staff_client(client, publicist_a):
    client.force_login(publicist_a)
    return client


def upload(client, rows) -> str:
    response = client.post(
        reverse("members_members:import"),
        {"file": SimpleUploadedFile("名单.csv", csv_bytes(rows))},
    )
    assert response.status_code == 200
    return response.content.decode()


def row_messages(html: str) -> dict[int, str]:
    return {
        int(number): message.strip()
        for number, message in re.findall(
            r'class="import-problem"><td>第 (\d+) 行</td><td>([^<]+)</td>', html
        )
    }


def test_other_branches_numbers_and_phones_get_one_neutral_answer(
    staff_client, tree, member_a, member_b
):
    UserFactory(username="13700000009")  # an account (no member) named by a phone
    html = upload(
        staff_client,
        [
            ["改外人编号", member_b.member_no, "", "甲党支部", "", ""],
            ["改外人手机", "", member_b.phone, "甲党支部", "", ""],
            ["占用账号", "", "13700000009", "甲党支部", "", ""],
            ["新人", "N-1", "13700000010", "甲党支部", "", ""],
        ],
    )
    assert row_messages(html) == dict.fromkeys((2, 3, 4), OUT_OF_SCOPE_CONFLICT)
    assert "新增 1" in html
    # One's own member's number with another branch's phone: the same answer.
    mixed = upload(
        staff_client, [["混合", member_a.member_no, member_b.phone, "甲党支部", "", ""]]
    )
    assert row_messages(mixed) == {2: OUT_OF_SCOPE_CONFLICT}
    for secret in [member_b.real_name, "乙党支部", member_a.real_name, "13700000009"]:
        assert secret not in html + mixed
    member_b.refresh_from_db()
    assert member_b.organization == tree["b"] and member_b.real_name == "乙支部党员"


def test_other_branches_look_like_organisations_that_do_not_exist(staff_client, tree):
    html = upload(
        staff_client,
        [
            ["甲", "O-1", "", "乙党支部", "", ""],
            ["乙", "O-2", "", "丙党支部", "", ""],
            ["丙", "O-3", "", "T-B", "", ""],
            ["丁", "O-4", "", "T-X", "", ""],
        ],
    )
    messages = row_messages(html)
    assert messages[2].replace("乙党支部", "?") == messages[3].replace("丙党支部", "?")
    assert messages[4].replace("T-B", "?") == messages[5].replace("T-X", "?")
    assert not Member.objects.filter(member_no__startswith="O-").exists()


def test_a_whole_row_of_another_branch_member_reveals_nothing(
    staff_client, tree, member_b
):
    html = upload(
        staff_client,
        [[member_b.real_name, member_b.member_no, member_b.phone, "甲党支部", "", ""]],
    )
    assert row_messages(html) == {2: OUT_OF_SCOPE_CONFLICT}
    assert html.count(member_b.real_name) == 0


def test_site_admins_still_get_the_detailed_answer(client, tree, member_a, member_b):
    client.force_login(make_site_admin())
    html = upload(
        client, [["某人", member_a.member_no, member_b.phone, "乙党支部", "", ""]]
    )
    assert member_a.real_name in html and member_b.real_name in html
