"""民主评议党员 in a browser (issue 16): a branch's members write their
self-assessments and rate each other on 390 px phones, the staff end the rating,
confirm each member's outcome and close the round; the member then sees the
confirmed outcome, and the other branch's staff get 403."""

import pytest
from playwright.sync_api import expect

from evaluation.models import Outcome, Rating
from evaluation.outcomes import confirmed_outcomes
from members.roles import PUBLICIST
from tests.evaluation.factories import RoundFactory
from tests.members.factories import MemberFactory, make_staff_user

from .conftest import DESKTOP, PHONE
from .steps import fits, sign_in

NAMES = ["马德胜", "罗春燕", "高建军"]
# Who gives whom which grade (the others get 合格).
GRADES = {("罗春燕", "马德胜"): "优秀", ("高建军", "马德胜"): "优秀"}


@pytest.fixture
def site(branches):
    branch = branches["a"]
    members = [
        MemberFactory(organization=branch, real_name=name, user__username=f"pe{i}")
        for i, name in enumerate(NAMES)
    ]
    make_staff_user(PUBLICIST, scope=branch, username="pe_staff")
    make_staff_user(PUBLICIST, scope=branches["b"], username="pe_other")
    round = RoundFactory(
        title="总装车间党支部2026年度民主评议党员",
        intro="对照党员标准，先自评，再互评。",
        organization=branch,
        year=2026,
    )
    return {"round": round, "members": members}


def test_a_round_on_phones_ends_with_a_confirmed_outcome(new_page, site, screenshot):
    round = site["round"]
    staff = new_page(viewport=DESKTOP)
    sign_in(staff, "pe_staff")
    staff.goto(f"/admin/evaluation/{round.pk}/manage/")
    staff.get_by_role("button", name="启动评议（确定参评党员名单）").click()
    expect(staff.get_by_test_id("admin-phase")).to_have_text("评议中")

    phones = {}
    for i, name in enumerate(NAMES):
        phone = new_page(viewport=PHONE)
        phones[name] = phone
        sign_in(phone, f"pe{i}")
        phone.goto("/me/")
        section = phone.get_by_test_id("my-evaluations")
        expect(section).to_contain_text("评议中 · 已评价 0 / 2 人")
        if i == 0:
            assert fits(phone)
            screenshot(phone, "me-390")
        section.get_by_role("link", name=round.title).click()
        expect(phone.get_by_test_id("rated-count")).to_have_text("0")
        phone.get_by_label("对照党员标准").fill(
            f"{name}：按时参加组织生活，完成生产任务。"
        )
        phone.get_by_role("button", name="保存自我评价").click()
        expect(phone.get_by_test_id("self-saved")).to_be_visible()
        if i == 0:
            assert fits(phone)
            screenshot(phone, "round-390")
        # The first member in the list; each submit moves on to the next one.
        phone.locator(".ev-people a").first.click()
        for step in range(len(NAMES) - 1):
            ratee = phone.locator("h1").inner_text().removeprefix("评价：")
            if i == 2 and step == 0:
                # No grade chosen: refused in Chinese, nothing stored.
                phone.get_by_role("button", name="提交评价").click()
                expect(phone.get_by_test_id("rate-errors")).to_contain_text(
                    "请选择评价"
                )
                assert fits(phone)
                screenshot(phone, "rate-390")
            grade = GRADES.get((name, ratee), "合格")
            phone.get_by_label(grade, exact=True).check()
            if step == 0:
                phone.get_by_label("意见建议").fill(f"希望{ratee}同志多带徒弟")
            phone.get_by_role("button", name="提交评价").click()
        expect(phone.get_by_test_id("rated-count")).to_have_text("2")
    assert Rating.objects.filter(round=round).count() == 6

    # The other branch's staff: 403 on the control page and the raters.
    other = new_page(viewport=DESKTOP)
    sign_in(other, "pe_other")
    assert other.goto(f"/admin/evaluation/{round.pk}/manage/").status == 403
    assert other.goto(f"/admin/evaluation/{round.pk}/raters/").status == 403

    staff.reload()
    expect(staff.get_by_test_id("raters-done")).to_have_text("3")
    # Branch staff see tallies and comments, never who rated.
    expect(staff.locator("body")).not_to_contain_text("评价明细（含评价人）")
    staff.get_by_role("button", name="截止评议").click()
    expect(staff.get_by_test_id("admin-phase")).to_contain_text("待支委会确认结果")
    ma = staff.locator('tr[data-member="马德胜"]')
    expect(ma).to_contain_text("希望马德胜同志多带徒弟")
    cells = ma.locator("td").all_inner_texts()
    assert cells[1:6] == ["2", "0", "0", "0", "2"]  # 优秀 2, 评价人数 2
    for name in NAMES:
        row = staff.locator(f'tr[data-member="{name}"]')
        # The grade most raters gave is preselected.
        expected = "excellent" if name == "马德胜" else "qualified"
        expect(row.locator("select[name=grade]")).to_have_value(expected)
        if name == "马德胜":
            row.locator("input[name=note]").fill("支委会一致同意评为优秀")
        row.get_by_role("button", name="确认").click()
        expect(
            staff.locator(f'tr[data-member="{name}"]').get_by_test_id("outcome")
        ).to_be_visible()
    expect(staff.get_by_test_id("confirmed-count")).to_have_text("3")
    staff.goto(f"/admin/evaluation/{round.pk}/manage/")
    screenshot(staff, "manage-1366")
    staff.get_by_test_id("close-round").click()
    expect(staff.get_by_test_id("admin-phase")).to_have_text("已结束，结果已确定")
    assert Outcome.objects.filter(round=round).count() == 3
    ma_pk = site["members"][0].pk
    assert confirmed_outcomes(2026)[ma_pk] == "excellent"

    # The member reads the confirmed outcome on the phone, and on a desktop.
    phone = phones["马德胜"]
    phone.goto(f"/evaluation/{round.pk}/")
    expect(phone.get_by_test_id("my-outcome")).to_contain_text("优秀")
    expect(phone.get_by_test_id("my-outcome")).to_contain_text("支委会一致同意评为优秀")
    assert fits(phone)
    screenshot(phone, "outcome-390")
    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, "pe1")
    desktop.goto(f"/evaluation/{round.pk}/")
    expect(desktop.get_by_test_id("my-outcome")).to_contain_text("合格")
    screenshot(desktop, "outcome-1366")
