"""The admin reports on Wagtail's ReportView in a real browser (issue 14, code point
1): a role that may see each report opens it at 1366 and 390 px, changes a filter
in Wagtail's filter drawer (the results fragment reloads) and downloads the table."""

import csv
import io
from pathlib import Path

from django.utils import timezone

from home.models import HomePage
from mailbox import services as mailbox_services
from mailbox.models import Mailbox
from members.roles import LEADER, MAILBOX_HANDLER, PUBLICIST, REVIEWER, SCHOOL_ADMIN
from news.models import NewsColumn
from news.services import install_news_section
from search.models import QueryStat
from tests.mailbox.conftest import letter_data
from tests.members.factories import OrganizationFactory, make_staff_user
from tests.news.factories import make_article

from .conftest import DESKTOP, PHONE
from .steps import sign_in


def read_csv(download) -> list[list[str]]:
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def download(page, label: str):
    page.get_by_role("button", name="动作", exact=True).click()
    with page.expect_download() as info:
        page.get_by_role("link", name=label).click()
    return info.value


def test_publicist_reads_the_search_report(new_page, transactional_db, screenshot):
    for _ in range(3):
        QueryStat.record("党费交纳标准", 4)
    QueryStat.record("支部换届选举程序", 0)
    QueryStat.record("=1+1", 0)
    make_staff_user(PUBLICIST, username="xuanchuan")

    page = new_page(viewport=DESKTOP)
    sign_in(page, "xuanchuan")
    page.goto("/admin/search-report/")
    assert "共 5 次搜索，其中 2 次没有结果（40%）" in page.content()
    rows = page.locator("table.listing tbody tr")
    assert rows.count() == 3
    assert rows.first.inner_text().startswith("党费交纳标准")
    screenshot(page, "search-report-desktop")

    page.get_by_role("button", name="显示过滤器").click()
    page.get_by_role("button", name="列表").click()
    page.get_by_label("无结果的搜索词").check()
    page.wait_for_url("**table=zero**")
    page.locator("table.listing tbody tr").first.wait_for()
    assert page.locator("table.listing tbody tr").count() == 2
    assert "党费交纳标准" not in page.locator("table.listing").inner_text()
    screenshot(page, "search-report-zero-desktop")

    rows = read_csv(download(page, "下载CSV"))
    assert rows[0] == ["搜索词", "搜索次数", "无结果次数"]
    assert sorted(rows[1:]) == [["'=1+1", "1", "1"], ["支部换届选举程序", "1", "1"]]

    phone = new_page(viewport=PHONE)
    sign_in(phone, "xuanchuan")
    phone.goto("/admin/search-report/?days=7")
    assert phone.locator("table.listing tbody tr").count() == 3
    screenshot(phone, "search-report-phone")


def test_reviewer_reads_the_publishing_statistics(
    new_page, transactional_db, screenshot
):
    index = install_news_section(HomePage.objects.get())
    committee = OrganizationFactory(name="机关党委")
    first = OrganizationFactory(parent=committee, name="机关第一党支部", kind="branch")
    second = OrganizationFactory(parent=committee, name="后勤党支部", kind="branch")
    lilun = NewsColumn.objects.get(slug="lilun")
    make_article(index, "机关第一党支部开展主题党日活动", branch=first, days_ago=0)
    make_article(
        index, "学习二十届四中全会精神", branch=first, column=lilun, days_ago=0
    )
    make_article(index, "后勤党支部召开组织生活会", branch=second, days_ago=0)
    make_staff_user(REVIEWER, username="shenhe")
    year = timezone.localdate().year

    page = new_page(viewport=DESKTOP)
    sign_in(page, "shenhe")
    page.goto("/admin/news/stats/")
    assert f"{year} 年共发布 3 篇" in page.content()
    rows = page.locator("table.listing tbody tr")
    assert rows.count() == 2
    assert rows.first.inner_text().split()[:2] == ["1", "机关第一党支部"]
    assert "2 个党组织" in page.content()
    screenshot(page, "news-stats-desktop")

    page.get_by_role("button", name="显示过滤器").click()
    page.get_by_role("button", name="统计表").click()
    page.get_by_label("栏目更新情况").check()
    page.wait_for_url("**table=freshness**")
    page.get_by_role("heading", name="栏目更新情况").wait_for()
    assert "从未发布" in page.locator("table.listing").inner_text()
    screenshot(page, "news-stats-freshness-desktop")
    rows = read_csv(download(page, "下载CSV"))
    assert rows[0] == ["栏目", "最近发布", "距今天数", "更新周期", "状态"]

    phone = new_page(viewport=PHONE)
    sign_in(phone, "shenhe")
    phone.goto("/admin/news/stats/?table=columns")
    assert phone.locator("table.listing tbody tr").count() == NewsColumn.objects.count()
    # The months scroll sideways inside their box, not the page.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box = phone.locator(".publishing-stats-table")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    screenshot(phone, "news-stats-phone")


def test_leader_reads_the_mailbox_statistics(new_page, transactional_db, screenshot):
    leader = make_staff_user(LEADER, username="lingdao")
    handler = make_staff_user(MAILBOX_HANDLER, username="banli")
    box = Mailbox.objects.create(name="党委书记信箱", reply_days=5)
    box.leaders.add(leader)
    box.handlers.add(handler)
    other = Mailbox.objects.create(name="总经理信箱", reply_days=5)
    answered, _ = mailbox_services.submit_letter(
        letter_data(box, subject="职工食堂午餐排队时间过长"), files=[], ip="192.0.2.1"
    )
    mailbox_services.accept_letter(answered, by=handler)
    mailbox_services.sign_off_reply(
        mailbox_services.draft_reply(answered, by=handler, body="已增开两个窗口。"),
        by=leader,
    )
    for subject, kind in [
        ("建议厂区增设自行车棚", "suggest"),
        ("咨询党费基数", "consult"),
    ]:
        mailbox_services.submit_letter(
            letter_data(box, subject=subject, letter_type=kind),
            files=[],
            ip="192.0.2.2",
        )
    mailbox_services.submit_letter(letter_data(other), files=[], ip="192.0.2.3")

    page = new_page(viewport=DESKTOP)
    sign_in(page, "lingdao")
    page.goto("/admin/mailbox/statistics/")
    assert page.get_by_test_id("kpi-total").inner_text() == "3"
    table = page.locator("table.listing").inner_text()
    assert "党委书记信箱" in table and "总经理信箱" not in table
    screenshot(page, "mailbox-stats-desktop")

    page.get_by_role("button", name="显示过滤器").click()
    page.get_by_role("button", name="分组").click()
    page.get_by_label("信箱", exact=True).check()
    page.wait_for_url("**group=**")
    page.locator("table.listing tbody tr").first.wait_for()
    assert page.locator("table.listing tbody tr").count() == 1
    rows = read_csv(download(page, "下载CSV"))
    assert rows[0][:3] == ["分组", "名称", "来信数"]
    assert rows[1:] == [rows[1]] and rows[1][:3] == ["信箱", "党委书记信箱", "3"]

    phone = new_page(viewport=PHONE)
    sign_in(phone, "lingdao")
    phone.goto("/admin/mailbox/statistics/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "mailbox-stats-phone")


def test_school_admin_reads_the_study_statistics(
    new_page, transactional_db, screenshot
):
    from school.models import CourseCompletion, CoursePage
    from school.services import install_school_section
    from school.stats import rebuild_study_years

    index = install_school_section()
    committee = OrganizationFactory(name="红星机械厂党委")
    first = OrganizationFactory(parent=committee, name="总装车间党支部", kind="branch")
    second = OrganizationFactory(parent=committee, name="机关党支部", kind="branch")
    course = CoursePage(title="学习党章 遵守党章", slug="dangzhang", kind="required")
    index.add_child(instance=course)
    from tests.members.factories import MemberFactory

    names = ["林小军", "王海燕", "赵建国", "陈丽"]
    members = [
        MemberFactory(organization=first if i < 2 else second, real_name=name)
        for i, name in enumerate(names)
    ]
    year = timezone.localdate().year
    for member, hours in zip(members, [30, 12, 8, 0], strict=True):
        if hours:
            CourseCompletion.objects.create(
                member=member,
                course=course,
                year=year,
                credit_hours=hours,
                completed_at=timezone.now(),
            )
    rebuild_study_years()
    make_staff_user(SCHOOL_ADMIN, scope=committee, username="dangxiao")

    page = new_page(viewport=DESKTOP)
    sign_in(page, "dangxiao")
    page.goto("/admin/school/stats/")
    table = page.locator("table.listing").inner_text()
    assert "总装车间党支部" in table and "机关党支部" in table
    screenshot(page, "study-stats-desktop")

    page.get_by_role("button", name="显示过滤器").click()
    page.get_by_role("button", name="统计表").click()
    page.get_by_label("党员学时排名").check()
    page.wait_for_url("**table=members**")
    page.get_by_role("heading", name="党员学时排名").wait_for()
    first_row = page.locator("table.listing tbody tr").first.inner_text()
    assert first_row.split()[:2] == ["1", "林小军"]
    screenshot(page, "study-stats-members-desktop")
    rows = read_csv(download(page, "下载CSV"))
    assert rows[0][0] == "姓名" and rows[1][0] == "林小军"

    phone = new_page(viewport=PHONE)
    sign_in(phone, "dangxiao")
    phone.goto("/admin/school/stats/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "study-stats-phone")
