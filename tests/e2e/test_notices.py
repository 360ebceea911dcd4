"""网上公示 in a browser (issue 16): a member on a phone reads an open notice, sends
feedback, keeps the number and code and tracks it; the branch's staff answer in the
admin; the other branch's staff get 403; the archived notice takes no feedback."""

import pytest
from playwright.sync_api import expect

from members.roles import PUBLICIST
from notices.models import NoticeFeedback
from notices.services import install_notice_section
from tests.members.factories import MemberFactory, make_staff_user
from tests.notices.factories import NoticePageFactory

from .conftest import DESKTOP, PHONE
from .steps import fits, sign_in


@pytest.fixture
def site(branches):
    branch = branches["a"]
    index = install_notice_section()

    def notice(title, starts, kind="development"):
        return NoticePageFactory(
            parent=index,
            title=title,
            notice_type=kind,
            organization=branch,
            starts=starts,
            contact="总装车间党支部，电话 0531-8888 6401",
            body="<p>经党支部委员会研究，拟接收王磊同志为中共预备党员，现予公示。</p>",
        )

    make_staff_user(PUBLICIST, scope=branch, username="nt_staff")
    make_staff_user(PUBLICIST, scope=branches["b"], username="nt_other")
    return {
        "index": index,
        "open": notice("关于王磊同志拟接收为预备党员的公示", -1),
        "archived": notice("总装车间2025年度优秀党员公示", -30, "commendation"),
        "member": MemberFactory(
            real_name="孙明", organization=branch, user__username="nt_member"
        ),
    }


def test_member_gives_feedback_on_phone_and_tracks_the_answer(
    new_page, site, screenshot
):
    phone = new_page(viewport=PHONE)
    sign_in(phone, "nt_member")
    phone.goto(site["index"].url)
    expect(phone.locator(".nt-item")).to_have_count(2)
    assert fits(phone)
    screenshot(phone, "index-390")
    phone.get_by_role("link", name="公示中").click()
    expect(phone.locator(".nt-item")).to_have_count(1)
    phone.get_by_role("link", name="关于王磊同志拟接收为预备党员的公示").click()
    expect(phone.get_by_test_id("notice-phase")).to_have_text("公示中")
    assert fits(phone)
    screenshot(phone, "notice-390")

    phone.get_by_role("link", name="我要提意见").click()
    expect(phone.get_by_label("真实姓名")).to_have_value("孙明")
    phone.get_by_label("联系电话或电子邮箱").fill("139 1234 5678")
    phone.get_by_label("意见内容").fill(
        "王磊同志技改攻关表现突出，群众认可，支持发展。"
    )
    assert fits(phone)
    screenshot(phone, "form-390")
    phone.get_by_role("button", name="提交反馈").click()
    number = phone.get_by_test_id("tracking-number").inner_text().strip()
    code = phone.get_by_test_id("query-code").inner_text().strip()
    assert fits(phone)
    screenshot(phone, "receipt-390")
    feedback = NoticeFeedback.objects.get(tracking_number=number)
    assert feedback.contact == "13912345678"
    assert feedback.writer == site["member"].user

    # Tracking with number and code (typed in lower case, as people do).
    phone.get_by_role("link", name="去查询").click()
    phone.get_by_label("反馈编号").fill(number.lower())
    phone.get_by_label("查询码").fill(code)
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("feedback-status")).to_contain_text("待答复")

    # The other branch's staff cannot open it; the branch's staff answer.
    other = new_page(viewport=DESKTOP)
    sign_in(other, "nt_other")
    response = other.goto(f"/admin/notices/feedback/edit/{feedback.pk}/")
    assert response.status == 403
    expect(other.locator("body")).to_contain_text("不在您管理的党组织范围内")
    other.goto("/admin/notices/feedback/")
    expect(other.locator("body")).not_to_contain_text(number)

    staff = new_page(viewport=DESKTOP)
    sign_in(staff, "nt_staff")
    staff.goto("/admin/notices/feedback/")
    staff.get_by_role("link", name=number).click()
    expect(staff.locator("body")).to_contain_text("13912345678")
    staff.get_by_label("答复").fill("感谢您的监督，支部已将您的意见记入考察材料。")
    screenshot(staff, "admin-reply-1366")
    staff.get_by_role("button", name="保存").click()
    expect(staff.locator("body")).to_contain_text(f"已答复反馈 {number}")
    staff.goto("/admin/notices/statistics/")
    expect(staff.get_by_test_id("stat-total").first).to_have_text("1")
    screenshot(staff, "admin-statistics-1366")

    # The member sees the answer, from the tracking page and from /me/.
    phone.reload()
    expect(phone.get_by_test_id("feedback-status")).to_contain_text("已答复")
    expect(phone.get_by_test_id("feedback-reply")).to_contain_text("记入考察材料")
    assert fits(phone)
    screenshot(phone, "tracked-390")
    phone.goto("/me/")
    expect(phone.get_by_test_id("my-notice-feedback")).to_contain_text("已答复")

    # The archived notice stays readable and takes no feedback.
    phone.goto(site["archived"].url)
    expect(phone.get_by_test_id("notice-phase")).to_have_text("公示结束")
    expect(phone.get_by_role("link", name="我要提意见")).to_have_count(0)
    screenshot(phone, "archived-390")

    desktop = new_page(viewport=DESKTOP)
    desktop.goto(site["open"].url)
    screenshot(desktop, "notice-1366")
    desktop.goto(site["index"].url)
    screenshot(desktop, "index-1366")
