"""Exams in real Chromium: a member on a phone takes a lesson quiz, loses the
connection mid-way, reloads and resumes, fails, passes on the second attempt, passes
the course exam and sees the course completed; staff import the bank from XLSX with
one bad row reported and read the statistics."""

import io
import re

import pypdf
import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from exams.importers import HEADERS
from exams.models import Attempt, Certificate, Exam, ExamQuestion, Question
from members.roles import SCHOOL_ADMIN
from school.models import (
    CourseCompletion,
    LessonProgress,
)
from tests.e2e.conftest import DESKTOP, PHONE
from tests.exams.factories import ExamFactory, QuestionFactory
from tests.members.factories import MemberFactory, make_staff_user
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    SchoolIndexPageFactory,
)

from .steps import sign_in

# The four questions of both browser exam tests: kind, stem, answer, options.
BANK = [
    ("single", "党的最高领导机关是（  ）。", "A",
     ("党的全国代表大会和它所产生的中央委员会", "中央政治局", "中央书记处")),
    ("single", "预备党员的预备期为（  ）。", "B", ("半年", "一年", "两年")),
    ("judge", "党员领导干部可以不参加所在党支部的组织生活。", "B", ()),
    ("multiple", "“三会一课”中的“三会”是指（  ）。", "ABC",
     ("支部党员大会", "支部委员会会议", "党小组会", "职工代表大会")),
]  # fmt: skip


OPTION_FIELDS = ("option_a", "option_b", "option_c", "option_d")


def bank_question(kind, stem, answer, options=(), *, explanation: str = ""):
    """A question of the bank with these options only (the others blank)."""
    padded = (*options, "", "", "", "")[:4]
    return QuestionFactory(
        kind=kind,
        stem=stem,
        answer=answer,
        explanation=explanation,
        **dict(zip(OPTION_FIELDS, padded, strict=True)),
    )


def ask(exam, *, explanation: str = "") -> None:
    """Put BANK's questions in the bank and on the fixed-question exam."""
    for kind, stem, answer, options in BANK:
        question = bank_question(kind, stem, answer, options, explanation=explanation)
        ExamQuestion.objects.create(exam=exam, question=question)


@pytest.fixture
def school(home_page):
    course = CoursePageFactory(
        parent=SchoolIndexPageFactory(parent=home_page),
        title="学习党章 筑牢根基",
        credit_hours=2,
    )
    lessons = [
        LessonPageFactory(parent=course, title=title, video__duration=100)
        for title in ("第一讲 党章的总纲", "第二讲 党员的义务和权利")
    ]
    quiz = ExamFactory(
        title="第一讲随堂测验", lesson=lessons[0], mode="fixed",
        time_limit_minutes=10, max_attempts=0, pass_score=60,
    )  # fmt: skip
    final = ExamFactory(
        title="结业考试", kind=Exam.Kind.FINAL, course=course, mode="fixed",
        time_limit_minutes=30, max_attempts=3, pass_score=75,
    )  # fmt: skip
    for exam in (quiz, final):
        ask(exam, explanation="依据党章和《中国共产党支部工作条例（试行）》。")
    return course, lessons, quiz, final


def current_attempt(exam, member) -> Attempt:
    return Attempt.objects.filter(exam=exam, member=member).order_by("-number").first()


def choose(page, attempt, position, *, right=True):
    """Answer one question on the page, right or wrong (the test reads the key)."""
    answer = attempt.answers.get(position=position)
    letters = (
        list(answer.key)
        if right
        else [next(letter for letter in answer.letters if letter not in answer.key)]
    )
    for letter in letters:
        page.locator(f"#q{position} input[value='{letter}']").check()


def saved(page, position):
    page.locator(f"#q{position} .question__state[data-state='saved']").wait_for()


def hand_in(page):
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#exam-submit").click()
    page.locator("#result-score").wait_for()


def test_member_takes_quiz_offline_resumes_fails_passes_and_completes_course(
    new_page, school, screenshot
):
    course, lessons, quiz, final = school
    member = MemberFactory(real_name="孙明")
    now = timezone.now()
    for (
        lesson
    ) in lessons:  # the watched-time rule is met (tested in test_school_player)
        LessonProgress.objects.create(
            member=member, lesson=lesson, course=course, watched_seconds=100,
            completed_at=now,
        )  # fmt: skip
    page = new_page(viewport=PHONE)
    sign_in(page, member.user.username)

    # The lesson page offers the quiz.
    page.goto(lessons[0].url)
    panel = page.locator(".exam-panel")
    assert "随堂测验：第一讲随堂测验" in panel.inner_text()
    screenshot(page, "lesson-panel-390")
    panel.get_by_role("link").click()
    page.get_by_role("button", name="开始答题").click()
    page.locator("#exam-form").wait_for()
    attempt = current_attempt(quiz, member)
    expect(page.locator("#exam-timer")).to_have_text(re.compile(r"^剩余 9:5\d$"))

    # First question saved while online.
    choose(page, attempt, 1)
    saved(page, 1)

    # The connection drops: the answer waits on the phone and is sent when it returns.
    page.context.set_offline(True)
    choose(page, attempt, 2)
    page.locator("#exam-net").filter(has_text="网络已断开").wait_for()
    assert page.locator("#q2 .question__state").get_attribute("data-state") == "pending"
    screenshot(page, "attempt-offline-390")
    assert attempt.answers.get(position=2).saved_at is None
    page.context.set_offline(False)
    saved(page, 2)
    assert attempt.answers.get(position=2).response is not None

    # Reloading resumes the attempt with both answers and the same order.
    order = page.locator(".question").evaluate_all("n => n.map(e => e.id)")
    page.reload()
    page.locator("#exam-form").wait_for()
    assert page.locator(".question").evaluate_all("n => n.map(e => e.id)") == order
    for position in (1, 2):
        assert page.locator(f"#q{position} input:checked").count() >= 1
    assert "已答 2 / 4" in page.locator("#exam-progress").inner_text()

    # Two wrong answers: 50 points, below the pass mark of 60.
    choose(page, attempt, 3, right=False)
    choose(page, attempt, 4, right=False)
    saved(page, 4)
    screenshot(page, "attempt-390")
    hand_in(page)
    assert page.locator("#result-score").inner_text() == "50"
    assert "未通过" in page.locator("#result-verdict").inner_text()
    assert "解析：依据党章" in page.content()
    screenshot(page, "result-failed-390")

    # The second attempt passes.
    page.get_by_role("link", name="再答一次").click()
    page.get_by_role("button", name="再答一次").click()
    page.locator("#exam-form").wait_for()
    attempt = current_attempt(quiz, member)
    assert attempt.number == 2
    for position in range(1, 5):
        choose(page, attempt, position)
    saved(page, 4)
    hand_in(page)
    assert page.locator("#result-score").inner_text() == "100"
    assert "通过" in page.locator("#result-verdict").inner_text()

    # The course is not complete until the course exam is passed.
    page.goto(course.url)
    assert not CourseCompletion.objects.filter(member=member).exists()
    assert "已完成，获得" not in page.content()
    page.locator(".exam-panel").get_by_role("link").click()
    page.get_by_role("button", name="开始答题").click()
    page.locator("#exam-form").wait_for()
    attempt = current_attempt(final, member)
    for position in range(1, 5):
        choose(page, attempt, position)
    saved(page, 4)
    hand_in(page)
    screenshot(page, "final-passed-390")
    page.get_by_role("link", name="返回课程").click()
    page.locator(".course__state--done").wait_for()
    assert "已完成，获得 2 学时" in page.locator(".course__state--done").inner_text()
    screenshot(page, "course-completed-390")
    assert CourseCompletion.objects.get(member=member, course=course).credit_hours == 2

    # The certificate: downloaded from the course page, checked at its public URL.
    certificate = Certificate.objects.get(member=member, course=course)
    card = page.locator("[data-testid=certificate-panel]")
    assert certificate.serial in card.inner_text()
    with page.expect_download() as download:
        card.get_by_role("link", name="下载结业证书（PDF）").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(f"{certificate.serial}.pdf")
    text = pypdf.PdfReader(pdf.path()).pages[0].extract_text()
    text = re.sub(r"[\s\x00]", "", text)
    assert "孙明同志" in text and certificate.token in text
    path = re.search(r"/exams/certificates/[\w-]+/", text)[0]
    assert path == f"/exams/certificates/{certificate.token}/"
    page.goto(path)
    verdict = page.locator("[data-testid=certificate-verdict]")
    assert "证书有效" in verdict.inner_text()
    assert page.locator("[data-testid=certificate-name]").inner_text() == "孙*"
    screenshot(page, "certificate-verify-390")
    page.goto("/me/")
    assert (
        certificate.serial in page.locator("[data-testid=my-certificates]").inner_text()
    )
    screenshot(page, "me-certificates-390")

    # The same pages at desktop width.
    desktop = new_page(viewport=DESKTOP)
    sign_in(desktop, member.user.username)
    desktop.goto(f"/exams/attempts/{attempt.public_id}/")
    screenshot(desktop, "final-result-1366")
    desktop.goto(f"/exams/{quiz.pk}/")
    screenshot(desktop, "quiz-history-1366")
    desktop.goto(course.url)
    screenshot(desktop, "course-certificate-1366")
    desktop.goto(f"/exams/certificates/{certificate.serial}/")
    screenshot(desktop, "certificate-verify-1366")
    desktop.goto("/exams/certificates/?code=DX2026-0000-0000-0000")
    assert "没有找到" in desktop.content()
    screenshot(desktop, "certificate-unknown-1366")


def _bank_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(
        [
            "单选",
            "党的根本宗旨是（  ）。",
            "实事求是",
            "全心全意为人民服务",
            "艰苦奋斗",
            "",
            "",
            "",
            "B",
            "党章总纲。",
            "党章",
            "容易",
        ]
    )
    sheet.append(
        [
            "判断",
            "预备党员在预备期间有表决权。",
            "",
            "",
            "",
            "",
            "",
            "",
            "错误",
            "",
            "党章",
            "容易",
        ]
    )
    sheet.append(
        [
            "多选",
            "答案只有一个的多选题",
            "甲",
            "乙",
            "丙",
            "",
            "",
            "",
            "A",
            "",
            "党章",
            "",
        ]
    )
    sheet.append(
        [
            "填空",
            "党的最高理想和最终目标是实现（  ）。",
            "",
            "",
            "",
            "",
            "",
            "",
            "共产主义",
            "",
            "党章",
            "容易",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()  # fmt: skip


def test_staff_import_bank_with_one_bad_row_and_read_statistics(
    new_page, school, tmp_path, screenshot
):
    _, _, quiz, _ = school
    make_staff_user(SCHOOL_ADMIN, username="dangxiao")
    path = tmp_path / "题库.xlsx"
    path.write_bytes(_bank_xlsx())
    page = new_page(viewport=DESKTOP)
    sign_in(page, "dangxiao")
    page.goto("/admin/exams/questions/")
    page.get_by_role("link", name="导入").click()
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_role("button", name="导入").click()
    page.locator(".import-summary").wait_for()
    assert (
        "共 4 行：新增 3，更新 0，无变化 0，失败 1"
        in page.locator(".import-summary").inner_text()
    )
    problems = page.locator(".import-problem").all_inner_texts()
    assert len(problems) == 1
    assert "第 4 行" in problems[0] and "多选题至少要有两个正确答案" in problems[0]
    screenshot(page, "import-1366")
    assert Question.objects.filter(stem="党的根本宗旨是（  ）。").exists()

    page.goto(f"/admin/exams/stats/{quiz.pk}/")
    assert "答卷 0 份" in page.locator(".exam-summary").inner_text()
    screenshot(page, "stats-1366")


def test_staff_revokes_a_certificate_and_the_check_page_says_so(
    new_page, school, screenshot
):
    course, _, _, _ = school
    member = MemberFactory(real_name="孙晓明")
    CourseCompletion.objects.create(
        member=member, course=course, year=2026, credit_hours=2
    )
    certificate = Certificate.objects.get(member=member)
    make_staff_user(SCHOOL_ADMIN, username="dangxiao")
    page = new_page(viewport=DESKTOP)
    sign_in(page, "dangxiao")
    page.goto("/admin/exams/certificates/")
    screenshot(page, "certificates-1366")
    page.get_by_role("link", name=certificate.serial).click()
    page.get_by_role("link", name="撤销证书").click()
    page.locator("textarea[name=reason]").fill("学习记录核查中发现代学情况")
    screenshot(page, "certificate-revoke-1366")
    page.get_by_role("button", name="确认撤销").click()
    page.locator(".help-warning").wait_for()
    certificate.refresh_from_db()
    assert certificate.is_revoked
    phone = new_page(viewport=PHONE)
    phone.goto(f"/exams/certificates/{certificate.token}/")
    verdict = phone.locator("[data-testid=certificate-verdict]").inner_text()
    assert "证书已撤销" in verdict and "孙*明" in verdict
    screenshot(phone, "certificate-revoked-390")
