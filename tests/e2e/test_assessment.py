"""网上考核 in a browser (issue 16): a 党总支 issues a quarterly task list, two branches
report with evidence on 390 px phones (the 基层动态 item scored from their news, a
file that lies about its type refused), the 党总支 scores, returns one item for more
evidence, closes the period (members ranked too) and publishes the ranking as a
考核结果公示, on which a member sends 意见 from a phone that the 党总支's staff read;
another branch's staff get 403."""

import datetime

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from assessment.models import AssessmentPlan
from members.roles import PUBLICIST
from notifications.models import Notification
from tests.members.factories import (
    MemberFactory,
    OrganizationFactory,
    UserFactory,
    make_staff_user,
)

from .conftest import DESKTOP, PHONE
from .steps import fits, sign_in

TODAY = datetime.date.today()
QUARTER_START = datetime.date(TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1)
QUARTER_END = (
    datetime.date(QUARTER_START.year + 1, 1, 1)
    if QUARTER_START.month == 10
    else datetime.date(QUARTER_START.year, QUARTER_START.month + 3, 1)
) - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PORTAL_ASSESSMENT_FILES_ROOT = tmp_path / "assessment-files"


@pytest.fixture
def site(db, home_page, tmp_path):
    from news.services import install_news_section
    from tests.news.factories import make_article

    committee = OrganizationFactory(name="红星集团党委")
    general = OrganizationFactory(
        parent=committee, name="制造事业部党总支", kind="general_branch"
    )
    a = OrganizationFactory(parent=general, name="总装车间党支部")
    b = OrganizationFactory(parent=general, name="机加车间党支部")
    c = OrganizationFactory(parent=general, name="质量检验党支部")
    index = install_news_section(home_page)
    for title in ("总装车间开展安全生产主题党日", "总装车间党员突击队攻坚新车型"):
        make_article(index, title, branch=a, days_ago=0)
    make_article(index, "机加车间党支部召开组织生活会", branch=b, days_ago=0)
    UserFactory(username="root", is_superuser=True, is_staff=True)
    member = MemberFactory(real_name="周敏", organization=a, user__username="as_member")
    MemberFactory(real_name="吴刚", organization=b)
    return {
        "member": member,
        "general": general,
        "a": a,
        "b": b,
        "superior": make_staff_user(PUBLICIST, scope=general, username="as_zz"),
        "staff_a": make_staff_user(PUBLICIST, scope=a, username="as_a"),
        "staff_b": make_staff_user(PUBLICIST, scope=b, username="as_b"),
        "staff_c": make_staff_user(PUBLICIST, scope=c, username="as_c"),
    }


def _png(tmp_path, name):
    from PIL import Image

    path = tmp_path / name
    Image.new("RGB", (320, 200), (190, 30, 40)).save(path, "PNG")
    return path


def _add_item(page):
    """Wagtail's inline panel adds a form once its script is connected."""
    second = page.locator("input[name='items-1-title']")
    for _ in range(5):
        page.locator("#id_items-ADD").click()
        try:
            second.wait_for(state="visible", timeout=3000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the second task item form never appeared")


def _date(page, name, value):
    field = page.locator(f"input[name='{name}']")
    field.fill(value.isoformat())
    field.press("Escape")


def test_general_branch_assesses_two_branches_and_publishes_the_ranking(
    new_page, site, screenshot, tmp_path
):
    due = (TODAY + datetime.timedelta(days=7)).isoformat()
    # The 党总支 writes the task list and issues it (desktop).
    boss = new_page(viewport=DESKTOP)
    sign_in(boss, "as_zz")
    boss.goto("/admin/assessment/new/")
    boss.fill("input[name=title]", "第四季度基层党建工作考核")
    boss.select_option("select[name=organization]", label="制造事业部党总支")
    boss.select_option("select[name=period_kind]", "quarter")
    _date(boss, "period_start", QUARTER_START)
    _date(boss, "period_end", QUARTER_END)
    boss.get_by_label("总装车间党支部").check()
    boss.get_by_label("机加车间党支部").check()
    boss.fill("input[name='items-0-title']", "基层动态宣传")
    boss.fill("input[name='items-0-points']", "40")
    boss.fill("input[name='items-0-due_date']", due)
    boss.select_option("select[name='items-0-rule']", "news")
    boss.fill("input[name='items-0-rule_target']", "2")
    _add_item(boss)
    boss.fill("input[name='items-1-title']", "“三会一课”制度落实")
    boss.fill("input[name='items-1-points']", "60")
    boss.fill("input[name='items-1-due_date']", due)
    boss.fill("input[name='items-1-evidence_required']", "会议记录、现场照片")
    boss.keyboard.press("Escape")
    boss.locator("button[type=submit]", has_text="创建").first.click()
    expect(boss.get_by_test_id("plan-status")).to_have_text("草稿")
    boss.get_by_role("button", name="下发考核任务").click()
    expect(boss.get_by_test_id("plan-status")).to_have_text("已下发，考核中")
    plan = AssessmentPlan.objects.get()
    screenshot(boss, "plan-issued-1366")
    report_a = plan.reports.get(organization=site["a"])
    report_b = plan.reports.get(organization=site["b"])

    # Another branch's staff: 403 on the plan, both reports and the export.
    other = new_page(viewport=PHONE)
    sign_in(other, "as_c")
    for url in (
        f"/admin/assessment/{plan.pk}/plan/",
        f"/admin/assessment/reports/{report_a.pk}/",
        f"/admin/assessment/reports/{report_b.pk}/",
        f"/admin/assessment/{plan.pk}/export/",
        f"/admin/assessment/{plan.pk}/members/",
        "/admin/assessment/",
        "/admin/assessment-results/",
    ):
        assert other.goto(url).status == 403, url

    # Branch A reports on a phone: the news item, then the meetings with a photo
    # after a "photo" that is really text is refused.
    phone_a = new_page(viewport=PHONE)
    sign_in(phone_a, "as_a")
    assert phone_a.goto(f"/admin/assessment/reports/{report_b.pk}/").status == 403
    phone_a.goto(f"/admin/assessment/{plan.pk}/plan/")
    phone_a.get_by_role("link", name="报送").click()
    news_item = phone_a.get_by_test_id("item-1")
    news_item.get_by_label("已完成").check()
    news_item.locator("textarea[name$='-text']").fill("本季度发布基层动态 2 篇。")
    news_item.get_by_role("button", name="报送").click()
    news_item = phone_a.get_by_test_id("item-1")
    expect(news_item.get_by_test_id("facts")).to_contain_text("期内发布新闻 2 篇")
    expect(news_item.get_by_test_id("suggested")).to_have_text("40.0")
    meetings = phone_a.get_by_test_id("item-2")
    fake = tmp_path / "会议照片.jpg"
    fake.write_text("<html>这不是照片</html>")
    meetings.get_by_label("部分完成").check()
    meetings.locator("input[type=file]").set_input_files(str(fake))
    meetings.get_by_role("button", name="报送").click()
    expect(phone_a.locator(".messages")).to_contain_text(
        "不是 PDF、JPG、PNG 或 DOCX 文件"
    )
    meetings = phone_a.get_by_test_id("item-2")
    expect(meetings.get_by_test_id("item-status")).to_have_text("未报送")
    meetings.get_by_label("已完成").check()
    meetings.locator("textarea[name$='-text']").fill(
        "召开支部党员大会 1 次、支委会 3 次，书记讲党课 1 次。"
    )
    meetings.locator("input[type=file]").set_input_files(
        str(_png(tmp_path, "党课照片.png"))
    )
    meetings.get_by_role("button", name="报送").click()
    meetings = phone_a.get_by_test_id("item-2")
    expect(meetings.get_by_test_id("item-status")).to_have_text("待评分")
    expect(meetings.locator(".as-evidence img")).to_have_count(1)
    assert fits(phone_a)
    screenshot(phone_a, "branch-report-390")

    # Branch B reports both items (one news article: half the points suggested).
    phone_b = new_page(viewport=PHONE)
    sign_in(phone_b, "as_b")
    phone_b.goto(f"/admin/assessment/reports/{report_b.pk}/")
    for number, text in ((1, "发布基层动态 1 篇。"), (2, "召开支委会 2 次。")):
        item = phone_b.get_by_test_id(f"item-{number}")
        item.get_by_label("部分完成").check()
        item.locator("textarea[name$='-text']").fill(text)
        item.get_by_role("button", name="报送").click()
    expect(phone_b.get_by_test_id("item-1").get_by_test_id("suggested")).to_have_text(
        "20.0"
    )

    # Closing waits until every reported item is scored.
    boss.goto(f"/admin/assessment/{plan.pk}/plan/")
    boss.get_by_role("button", name="结束考核并排名").click()
    expect(boss.locator(".messages")).to_contain_text("还有 4 项已报送的任务未评分")
    # The 党总支 scores: the rule's suggestion for the news, by hand for the rest;
    # branch B's meetings go back for more evidence first.
    boss.goto(f"/admin/assessment/reports/{report_a.pk}/")
    boss.get_by_test_id("item-1").get_by_role("button", name="评分").click()
    item = boss.get_by_test_id("item-2")
    item.locator("input[name$='-score']").fill("57")
    item.locator("input[name$='-comment']").fill("记录完整，照片清晰。")
    item.get_by_role("button", name="评分").click()
    expect(boss.get_by_test_id("item-2").get_by_test_id("item-score")).to_have_text(
        "57.0"
    )
    screenshot(boss, "score-1366")
    boss.goto(f"/admin/assessment/reports/{report_b.pk}/")
    boss.get_by_test_id("item-1").get_by_role("button", name="评分").click()
    item = boss.get_by_test_id("item-2")
    item.locator("input[name$='-reason']").fill("请补充支委会会议记录照片")
    item.get_by_role("button", name="退回补充材料").click()
    expect(boss.get_by_test_id("item-2").get_by_test_id("item-status")).to_have_text(
        "退回补充"
    )
    # Branch B was notified, reports again with a photo, and the 党总支 scores it.
    phone_b.reload()
    item = phone_b.get_by_test_id("item-2")
    expect(item).to_contain_text("请补充支委会会议记录照片")
    item.get_by_label("已完成").check()
    item.locator("input[type=file]").set_input_files(str(_png(tmp_path, "支委会.png")))
    item.get_by_role("button", name="重新报送").click()
    expect(phone_b.get_by_test_id("item-2").get_by_test_id("item-status")).to_have_text(
        "待评分"
    )
    boss.goto(f"/admin/assessment/reports/{report_b.pk}/")
    item = boss.get_by_test_id("item-2")
    item.locator("input[name$='-score']").fill("30")
    item.get_by_role("button", name="评分").click()
    expect(boss.get_by_test_id("item-2").get_by_test_id("item-score")).to_have_text(
        "30.0"
    )

    # Close: 总装 97/100 先进, 机加 50/100 不合格; then the 公示.
    boss.goto(f"/admin/assessment/{plan.pk}/plan/")
    boss.get_by_role("button", name="结束考核并排名").click()
    expect(boss.get_by_test_id("plan-status")).to_have_text("已结束")
    rows = [
        row.inner_text().split("\t")
        for row in boss.get_by_test_id("ranking").locator("tbody tr").all()
    ]
    assert rows == [
        ["1", "总装车间党支部", "97.0", "97.0%", "先进党组织"],
        ["2", "机加车间党支部", "50.0", "50.0%", "不合格党组织"],
    ]
    # The members of both branches were ranked at the close (no study, exams or
    # 民主评议 in this period: 0 %, 不合格党员); each branch sees its own only.
    boss.get_by_test_id("members-link").click()
    ranking = boss.get_by_test_id("member-ranking")
    expect(ranking).to_contain_text("周敏")
    expect(ranking).to_contain_text("吴刚")
    expect(boss.get_by_test_id("member-status")).to_contain_text("不合格党员 2 名")
    screenshot(boss, "members-1366")
    phone_a.goto(f"/admin/assessment/{plan.pk}/members/")
    expect(phone_a.get_by_test_id("member-ranking")).to_contain_text("周敏")
    expect(phone_a.get_by_test_id("member-ranking")).not_to_contain_text("吴刚")
    assert fits(phone_a)
    screenshot(phone_a, "members-390")
    boss.goto(f"/admin/assessment/{plan.pk}/plan/")
    boss.get_by_role("button", name="生成考核结果公示").click()
    expect(boss.get_by_test_id("notice-link")).to_contain_text(
        "第四季度基层党建工作考核结果公示"
    )
    screenshot(boss, "ranking-1366")
    plan.refresh_from_db()
    assert Notification.objects.filter(
        kind="assessment_returned", recipient=site["staff_b"]
    ).exists()

    # A site admin publishes the 公示; anyone reads the ranking on a phone.
    admin = new_page(viewport=DESKTOP)
    sign_in(admin, "root")
    admin.goto(f"/admin/pages/{plan.notice_id}/edit/")
    admin.locator("[data-w-dropdown-target='toggle']").last.click()
    admin.locator("button[name='action-publish']").click()
    expect(admin.locator(".messages")).to_contain_text("已经发布")
    from notices.models import NoticePage

    notice = NoticePage.objects.get()
    assert notice.live and notice.notice_type == "assessment"
    reader = new_page(viewport=PHONE)
    reader.goto(notice.url)
    expect(reader.locator("main")).to_contain_text("第 1 名 总装车间党支部：97.0 分")
    expect(reader.locator("main")).to_contain_text("不合格党组织")
    assert fits(reader)
    screenshot(reader, "notice-390")

    # The next day the 公示期 begins (it starts the day after the draft): a member
    # sends 意见 from a phone; the 党总支's staff read it, the other branch's staff
    # do not see it.
    from django.core.cache import cache

    NoticePage.objects.filter(pk=notice.pk).update(period_start=TODAY)
    cache.clear()
    member_phone = new_page(viewport=PHONE)
    sign_in(member_phone, "as_member")
    member_phone.goto(notice.url)
    member_phone.get_by_role("link", name="我要提意见").click()
    expect(member_phone.get_by_label("真实姓名")).to_have_value("周敏")
    member_phone.get_by_label("联系电话或电子邮箱").fill("139 0000 1234")
    opinion = "建议公示中写明机加车间党支部需要整改的具体事项和整改期限。"
    member_phone.get_by_label("意见内容").fill(opinion)
    assert fits(member_phone)
    screenshot(member_phone, "feedback-form-390")
    member_phone.get_by_role("button", name="提交反馈").click()
    number = member_phone.get_by_test_id("tracking-number").inner_text().strip()
    assert fits(member_phone)
    screenshot(member_phone, "feedback-receipt-390")
    from notices.models import NoticeFeedback

    feedback = NoticeFeedback.objects.get(tracking_number=number)
    assert feedback.notice_id == notice.pk
    assert feedback.writer == site["member"].user
    boss.goto("/admin/notices/feedback/")
    boss.get_by_role("link", name=number).click()
    expect(boss.locator("body")).to_contain_text("13900001234")
    expect(boss.locator("body")).to_contain_text(opinion)
    screenshot(boss, "feedback-admin-1366")
    listing = other.goto("/admin/notices/feedback/")
    assert listing.status == 403 or number not in other.content()
    phone_a.goto(f"/admin/assessment/reports/{report_a.pk}/")
    expect(phone_a.get_by_test_id("report-result")).to_contain_text("第 1 名")
    assert fits(phone_a)
    screenshot(phone_a, "result-390")
    # The branch's history by period holds its own result only.
    phone_a.goto("/admin/assessment-results/")
    history = phone_a.get_by_test_id("history")
    expect(history).to_contain_text("先进党组织")
    expect(history).not_to_contain_text("机加车间党支部")
    assert fits(phone_a)
    screenshot(phone_a, "history-390")
    phone_a.goto(f"/admin/assessment/{plan.pk}/plan/")
    expect(phone_a.get_by_test_id("matrix")).not_to_contain_text("机加车间党支部")
    assert fits(phone_a)
    screenshot(phone_a, "plan-390")
