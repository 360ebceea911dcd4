"""投票计票 in a browser (issue 16): a branch's members vote by secret ballot on 390 px
phones, the staff close, count and confirm; the tally is right and a receipt
verifies; the other branch's staff get 403."""

import pytest
from playwright.sync_api import expect

from elections.models import Ballot, Participation
from members.roles import PUBLICIST
from tests.elections.factories import ElectionFactory
from tests.members.factories import MemberFactory, make_staff_user

from .conftest import DESKTOP, PHONE
from .steps import fits, sign_in


@pytest.fixture
def site(branches):
    branch = branches["a"]
    for i, name in enumerate(["马德胜", "罗春燕", "高建军", "林小军"]):
        MemberFactory(organization=branch, real_name=name, user__username=f"ev{i}")
    make_staff_user(PUBLICIST, scope=branch, username="ev_staff")
    make_staff_user(PUBLICIST, scope=branches["b"], username="ev_other")
    election = ElectionFactory(
        title="总装车间党支部委员会换届选举",
        intro="应选支部委员 2 名，差额选举。",
        organization=branch,
        mode="in_person",
        candidates=[
            ("王磊", "装配工艺员"),
            ("赵雪", "质量检验员"),
            ("李强", "设备维修班长"),
        ],
    )
    return {"election": election}


def test_branch_votes_on_phones_and_the_tally_is_right(new_page, site, screenshot):
    election = site["election"]
    staff = new_page(viewport=DESKTOP)
    sign_in(staff, "ev_staff")
    staff.goto(f"/admin/elections/{election.pk}/manage/")
    staff.get_by_role("button", name="启动投票（确定选举人名单）").click()
    expect(staff.get_by_test_id("admin-phase")).to_have_text("投票中")

    # Three members vote on phones; the fourth casts a blank ballot.
    plans = [("王磊", "赵雪"), ("王磊", "李强"), ("王磊", "赵雪")]
    receipts = []
    for i, names in enumerate(plans):
        phone = new_page(viewport=PHONE)
        sign_in(phone, f"ev{i}")
        phone.goto("/elections/")
        phone.get_by_role("link", name=election.title).click()
        expect(phone.get_by_test_id("turnout")).to_have_text(str(i))
        if i == 0:
            # Too many names: refused, nothing stored.
            for name in ("王磊", "赵雪", "李强"):
                phone.get_by_label(name).check()
            phone.get_by_role("button", name="提交选票").click()
            expect(phone.get_by_test_id("ballot-errors")).to_contain_text(
                "最多只能选 2 人"
            )
            assert not Ballot.objects.exists()
            phone.get_by_label("李强").uncheck()
            assert fits(phone)
            screenshot(phone, "ballot-390")
        else:
            for name in names:
                phone.get_by_label(name).check()
        phone.get_by_role("button", name="提交选票").click()
        code = phone.get_by_test_id("receipt-code").inner_text().strip()
        receipts.append((phone, code))
        if i == 0:
            assert fits(phone)
            screenshot(phone, "receipt-390")
        phone.goto(f"/elections/{election.pk}/")
        expect(phone.get_by_test_id("ballot-closed")).to_contain_text("每人只能投一次")
    blank = new_page(viewport=PHONE)
    sign_in(blank, "ev3")
    blank.goto(f"/elections/{election.pk}/")
    blank.get_by_role("button", name="投空白票（弃权）").click()
    expect(blank.get_by_test_id("receipt-code")).to_be_visible()
    assert Participation.objects.count() == 4 and Ballot.objects.count() == 4

    # Turnout while open, no results yet.
    staff.reload()
    expect(staff.get_by_test_id("admin-turnout")).to_have_text("4")
    expect(staff.get_by_test_id("tally-votes")).to_have_count(0)
    phone, code = receipts[0]
    phone.goto(f"/elections/{election.pk}/results/")
    expect(phone.locator("body")).to_contain_text("确认后公布")

    # The other branch's staff: 403.
    other = new_page(viewport=DESKTOP)
    sign_in(other, "ev_other")
    assert other.goto(f"/admin/elections/{election.pk}/manage/").status == 403

    staff.get_by_role("button", name="结束投票").click()
    expect(staff.get_by_test_id("admin-phase")).to_contain_text("已结束")
    staff.get_by_role("button", name="确认计票结果").click()
    expect(staff.get_by_test_id("admin-phase")).to_have_text("结果已确认")
    rows = [
        row.inner_text().split("\t") for row in staff.get_by_test_id("tally-row").all()
    ]
    assert [r[:3] for r in rows] == [
        ["王磊", "3", "当选"],
        [
            "赵雪",
            "2",
            "未当选",
        ],  # 2 of 4 ballots (the blank one counts) is not more than half
        ["李强", "1", "未当选"],
    ]
    expect(staff.get_by_test_id("tally-cast")).to_contain_text("4 人")
    expect(staff.get_by_test_id("tally-blank")).to_have_text("1 张")
    staff.get_by_role("button", name="生成结果公示").click()
    expect(staff.locator("body")).to_contain_text(
        "结果公示：总装车间党支部委员会换届选举结果公示"
    )
    screenshot(staff, "admin-tally-1366")

    # The voter checks the receipt (typed in lower case) and reads the result.
    phone.goto(f"/elections/{election.pk}/verify/")
    phone.get_by_label("回执码").fill(code.lower())
    phone.get_by_role("button", name="核对").click()
    expect(phone.get_by_test_id("verify-result")).to_contain_text("已计入")
    assert fits(phone)
    screenshot(phone, "verify-390")
    phone.goto(f"/elections/{election.pk}/results/")
    expect(phone.get_by_test_id("tally-row").first).to_contain_text("王磊")
    assert fits(phone)
    screenshot(phone, "results-390")
    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, "ev1")
    desktop.goto(f"/elections/{election.pk}/results/")
    screenshot(desktop, "results-1366")
