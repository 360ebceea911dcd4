"""An in-person vote in a browser (issue 16): the members are told on the site that
the vote has started; one votes on a 390 px phone at the meeting, the others on
paper; the staff close, enter the paper ballots one by one (a mistyped name is
refused, nothing stored), and the confirmed tally counts both."""

import pytest
from playwright.sync_api import expect

from elections.models import PaperCount
from members.roles import PUBLICIST
from tests.elections.factories import ElectionFactory
from tests.members.factories import MemberFactory, make_staff_user

from .conftest import DESKTOP, PHONE
from .steps import fits, sign_in


@pytest.fixture
def site(branches):
    branch = branches["b"]
    for i, name in enumerate(["董长青", "梁晓燕", "袁成", "彭亮", "邓丽君"]):
        MemberFactory(organization=branch, real_name=name, user__username=f"pp{i}")
    make_staff_user(PUBLICIST, scope=branch, username="pp_staff")
    election = ElectionFactory(
        title="机加车间党支部委员会换届选举", organization=branch, mode="in_person"
    )
    return {"election": election}


def test_paper_ballots_join_the_online_ones(new_page, site, screenshot):
    election = site["election"]
    staff = new_page(viewport=DESKTOP)
    sign_in(staff, "pp_staff")
    staff.goto(f"/admin/elections/{election.pk}/manage/")
    staff.get_by_role("button", name="启动投票（确定选举人名单）").click()
    expect(staff.get_by_test_id("admin-phase")).to_have_text("投票中")

    # The member finds the notification and votes on the phone.
    phone = new_page(viewport=PHONE)
    sign_in(phone, "pp0")
    phone.goto("/me/notifications/")
    notice = phone.locator(".notice", has_text=f"投票：{election.title}")
    expect(notice).to_contain_text("投票开始")
    assert fits(phone)
    screenshot(phone, "notifications-390")
    notice.get_by_role("button", name="查看").click()
    phone.get_by_label("王磊").check()
    phone.get_by_label("赵雪").check()
    phone.get_by_role("button", name="提交选票").click()
    expect(phone.get_by_test_id("receipt-code")).to_be_visible()

    staff.get_by_role("button", name="结束投票").click()
    staff.get_by_role("link", name="录入纸质选票").click()
    present = staff.locator("form:has(textarea[name=ballots]) input[name=present]")
    present.fill("4")
    staff.get_by_label("每行一张选票").fill("王磊 李强\n王磊、赵雪\n张三\n空白")
    staff.get_by_role("button", name="录入选票").click()
    expect(staff.get_by_test_id("paper-errors")).to_contain_text(
        "第 3 行：“张三”不是候选人"
    )
    assert not PaperCount.objects.exists()
    screenshot(staff, "paper-1366")
    staff.get_by_label("每行一张选票").fill("王磊 李强\n王磊、赵雪\n王磊\n空白")
    staff.get_by_role("button", name="录入选票").click()
    expect(staff.get_by_test_id("tally-paper")).to_contain_text("4 张（到会共 5 人）")
    staff.get_by_role("button", name="确认计票结果").click()
    expect(staff.get_by_test_id("admin-phase")).to_have_text("结果已确认")
    rows = [
        row.inner_text().split("\t")[:3]
        for row in staff.get_by_test_id("tally-row").all()
    ]
    # 5 ballots (one blank): more than half is 3 votes.
    assert rows == [
        ["王磊", "4", "当选"],
        ["赵雪", "2", "未当选"],
        ["李强", "1", "未当选"],
    ]
    screenshot(staff, "tally-1366")

    phone.goto(f"/elections/{election.pk}/results/")
    expect(phone.get_by_test_id("tally-paper")).to_contain_text("4 张")
    assert fits(phone)
    screenshot(phone, "results-390")
