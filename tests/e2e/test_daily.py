"""每日答题 in real Chromium on a 390 px phone: the member opens it from /me/, answers
today's five one by one (each shows right or wrong, the key and the 解析 at once, and
no key is on the page before its answer), finishes with the day's result and a streak
that continues yesterday's, and sees the streak and today's points on /me/; the pages
at 1366 px too."""

import datetime

import pytest
from playwright.sync_api import expect

from exams import daily, services
from exams.models import DailySet
from tests.e2e.conftest import DESKTOP, PHONE
from tests.members.factories import MemberFactory

from .steps import sign_in
from .test_exams import BANK as EXAM_BANK
from .test_exams import bank_question

pytestmark = pytest.mark.transactional

# The exam tests' four questions and six more: kind, stem, answer, options.
BANK = [
    *EXAM_BANK,
    ("single", "党的基层组织每届任期一般为（  ）。", "B", ("两年", "三年至五年", "十年")),
    ("judge", "党员有权在党的会议上参加关于党的政策问题的讨论。", "A", ()),
    ("single", "党员如果没有正当理由，连续（  ）个月不参加党的组织生活，被认为是自行脱党。",
     "C", ("三", "四", "六")),
    ("judge", "入党誓词由党章规定。", "A", ()),
    ("multiple", "党的纪律主要包括（  ）。", "ABCD",
     ("政治纪律", "组织纪律", "廉洁纪律", "群众纪律")),
    ("single", "党徽由（  ）组成。", "A", ("镰刀和锤头", "五角星", "齿轮和麦穗")),
]  # fmt: skip


@pytest.fixture
def member():
    for number, (kind, stem, key, options) in enumerate(BANK, start=1):
        bank_question(
            kind, stem, key, options,
            explanation=f"依据《中国共产党章程》第 {number} 条的规定（示例解析）。",
        )  # fmt: skip
    member = MemberFactory(real_name="孙明")
    # Answered every question of the last three days (all wrong, so nothing is
    # withheld from today's draw): a streak of three before today.
    today = daily.local_day()
    for back in (3, 2, 1):
        day = today - datetime.timedelta(days=back)
        at = daily.day_start(day) + datetime.timedelta(hours=20)
        current = daily.start_today(member, now=at)
        for answer in current.attempt.answers.all():
            # A 多选 whose key is every option (党的纪律, ABCD): one of them is wrong.
            wrong = [x for x in answer.letters if x not in answer.key][:1] or list(
                answer.key
            )[:1]
            services.answer_and_mark(
                current.attempt, member=member, position=answer.position,
                response=wrong, now=at + datetime.timedelta(minutes=1),
            )  # fmt: skip
    assert daily.streak(member) == 3
    return member


def answer_on_page(page, attempt, position, *, right=True):
    answer = attempt.answers.get(position=position)
    item = page.locator(f"#q{position}")
    assert "正确答案" not in item.inner_text()
    letters = (
        list(answer.key)
        if right
        else [next(x for x in answer.letters if x not in answer.key)]
    )
    for letter in letters:
        item.locator(f"input[value='{letter}']").check()
    item.get_by_role("button", name="提交答案").click()
    expect(page.locator(f"#q{position} .question__verdict")).to_have_text(
        "✔ 回答正确" if right else "✘ 回答错误"
    )
    expect(page.locator(f"#q{position} .question__explanation")).to_contain_text(
        answer.explanation
    )
    return answer


def test_member_answers_todays_five_on_a_phone(new_page, member, screenshot):
    page = new_page(viewport=PHONE)
    sign_in(page, member.user.username)
    page.goto("/me/")
    expect(page.locator("#me-daily-streak")).to_have_text("已连续答题 3 天")
    page.get_by_role("link", name="开始每日答题").click()
    page.get_by_role("button", name="开始今日答题").click()
    page.locator("#daily-questions").wait_for()
    current = DailySet.objects.get(member=member, day=daily.local_day())
    attempt = current.attempt
    # No key or explanation of today's questions is on the page before an answer.
    html = page.content()
    for answer in attempt.answers.all():
        assert answer.explanation not in html
    assert "正确答案" not in html
    screenshot(page, "daily-start-390")

    # One question is answered wrongly: the last one that has a wrong option (the
    # draw may hold the 多选 whose key is every option, ABCD; at most one does).
    wrong_at = max(
        answer.position
        for answer in attempt.answers.all()
        if set(answer.letters) - set(answer.key)
    )
    assert wrong_at > 1
    first = answer_on_page(page, attempt, 1)
    expect(page.locator("#daily-progress")).to_have_text("1/5")
    page.locator("#q1").scroll_into_view_if_needed()
    screenshot(page, "daily-first-answer-390")
    for position in (2, 3, 4, 5):
        answer_on_page(page, attempt, position, right=position != wrong_at)
    expect(page.locator("#daily-result")).to_contain_text("答对 4 道")
    expect(page.locator("#daily-streak")).to_have_text("4")
    expect(page.locator(".daily-form")).to_have_count(0)
    screenshot(page, "daily-done-390")
    # Reloading shows the same marked set; nothing can be answered again.
    page.reload()
    expect(page.locator("#q1 .question__explanation")).to_contain_text(
        first.explanation
    )
    attempt.refresh_from_db()
    assert attempt.correct_count == 4 and not attempt.is_open

    page.goto("/me/")
    expect(page.locator("#me-daily-streak")).to_have_text("已连续答题 4 天")
    expect(page.locator("#me-points-total")).to_have_text("累计积分 4")
    expect(page.locator("#me-points-today")).to_have_text("4")
    screenshot(page, "me-daily-points-390")
    page.get_by_role("link", name="积分明细和规则").click()
    expect(page.locator("#points-today")).to_have_text("4")
    expect(page.locator("#points-history")).to_contain_text("答对 4 题")
    screenshot(page, "points-390")

    desk = new_page(viewport=DESKTOP)
    sign_in(desk, member.user.username)
    desk.goto("/exams/daily/")
    expect(desk.locator("#daily-result")).to_be_visible()
    screenshot(desk, "daily-done-1366")
    desk.goto("/me/points/")
    screenshot(desk, "points-1366")


def test_branch_staff_read_the_points_ranking(new_page, screenshot):
    """积分排行 for a 党校管理员 of 集团党委: branches by points per member (the smaller
    branch with more per member first) and the members; at 1366 px."""
    from members.roles import SCHOOL_ADMIN
    from points import ledger
    from school.models import StudyDay
    from tests.members.factories import OrganizationFactory, make_staff_user

    committee = OrganizationFactory(name="集团党委")
    small = OrganizationFactory(parent=committee, name="研发第一党支部")
    large = OrganizationFactory(parent=committee, name="总装车间党支部")
    day = daily.local_day()
    people = [(small, "孙明", 3600), (small, "王芳", 1800)]
    people += [(large, name, 1200) for name in ("李华", "赵磊", "钱晨", "周洁", "吴刚")]
    for organization, name, seconds in people:
        member = MemberFactory(organization=organization, real_name=name)
        StudyDay.objects.create(member=member, day=day, seconds=seconds)
        ledger.recompute(member)
    staff = make_staff_user(SCHOOL_ADMIN, scope=committee)
    page = new_page(viewport=DESKTOP)
    sign_in(page, staff.username)
    page.goto("/admin/points/ranking/")
    first_branch = page.locator("#branch-ranking tbody tr").first
    expect(first_branch).to_contain_text("研发第一党支部")
    expect(page.locator("#member-ranking tbody tr").first).to_contain_text("孙明")
    screenshot(page, "points-ranking-1366")
