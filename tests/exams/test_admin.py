"""The bank in the admin: who may manage it (a 403 per role), filters, import,
export and the template."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from exams.importers import HEADERS
from exams.models import Question, QuestionCategory
from members.roles import (
    LEADER,
    MAILBOX_HANDLER,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
    SITE_ADMIN,
)
from tests.exams.factories import QuestionFactory
from tests.members.factories import make_staff_user

from .conftest import client_for

pytestmark = pytest.mark.django_db

INDEX = "/admin/exams/questions/"
# Wagtail's admin answers a missing permission (PermissionDenied in any admin view,
# ours included) by a redirect to the dashboard with its "no permission" message.
VIEWSET_URLS = [
    INDEX,
    "/admin/exams/questions/new/",
    "/admin/exams/categories/",
    "/admin/exams/exams/",
]
OWN_URLS = [
    "/admin/exams/import/",
    "/admin/exams/template.xlsx",
    "/admin/exams/export/",
]
MANAGE_URLS = VIEWSET_URLS + OWN_URLS


@pytest.mark.parametrize("role", [SCHOOL_ADMIN, SITE_ADMIN])
def test_school_and_site_admins_manage_the_bank(role, tree):
    client = client_for(make_staff_user(role))
    for url in MANAGE_URLS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [PUBLICIST, REVIEWER, MAILBOX_HANDLER, LEADER])
def test_other_roles_are_refused_the_bank(role, tree):
    # A 组织管理员 scope over the whole tree gives no right to the bank either.
    client = client_for(make_staff_user(role, scope=tree[0]))
    for url in MANAGE_URLS:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/"), url
    upload = io.BytesIO(_xlsx([HEADERS, *GOOD_ROWS]))
    upload.name = "bank.xlsx"
    response = client.post("/admin/exams/import/", {"file": upload})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert not Question.objects.exists()


def test_members_never_reach_the_admin(member):
    response = client_for(member.user).get(INDEX)
    assert response.status_code == 302


def test_filters_narrow_the_list(tree, category):
    QuestionFactory(kind="single", stem="单选题甲", category=category)
    QuestionFactory(kind="judge", stem="判断题乙", difficulty=3)
    QuestionFactory(kind="single", stem="停用题丙", retired=True)
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    text = client.get(INDEX, {"kind": "judge"}).content.decode()
    assert "判断题乙" in text and "单选题甲" not in text
    text = client.get(INDEX, {"retired": "true"}).content.decode()
    assert "停用题丙" in text and "判断题乙" not in text
    text = client.get(INDEX, {"category": category.pk}).content.decode()
    assert "单选题甲" in text and "判断题乙" not in text
    text = client.get(INDEX, {"difficulty": 3}).content.decode()
    assert "判断题乙" in text and "单选题甲" not in text
    text = client.get(INDEX, {"q": "停用"}).content.decode()
    assert "停用题丙" in text and "判断题乙" not in text


def test_admin_form_refuses_a_bad_key_in_chinese(tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    response = client.post(
        "/admin/exams/questions/new/",
        {"kind": "single", "difficulty": 2, "stem": "党的最高领导机关是？",
         "option_a": "甲", "option_b": "乙", "answer": "AB", "tags": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "单选题只能有一个正确答案" in response.content.decode()
    assert not Question.objects.exists()


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    ["单选", "党的最高领导机关是（ ）。", "党的全国代表大会和它所产生的中央委员会",
     "中央政治局", "中央书记处", "", "", "", "A", "党章规定。", "党章", "容易"],
    ["多选", "党的纪律处分包括（ ）。", "警告", "严重警告", "记过", "留党察看", "", "",
     "ABD", "", "党规", "中等"],
    ["判断", "预备党员的预备期为一年。", "", "", "", "", "", "", "正确", "", "党章", ""],
    ["填空", "年满（ ）岁可以申请入党。", "", "", "", "", "", "", "十八/18", "", "党章",
     "困难"],
]  # fmt: skip


def test_import_reports_each_bad_row_and_keeps_the_rest(tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    rows = [
        ["红星集团题库"],
        HEADERS,
        GOOD_ROWS[0],
        ["单选", "只有一个选项的题", "甲", "", "", "", "", "", "A", "", "", ""],
        GOOD_ROWS[1],
        ["问答", "什么是党？", "", "", "", "", "", "", "略", "", "", ""],
        GOOD_ROWS[2],
        ["多选", "答案不够", "甲", "乙", "丙", "", "", "", "A", "", "", ""],
        GOOD_ROWS[3],
        ["判断", "难度写错", "", "", "", "", "", "", "错", "", "", "超难"],
    ]
    upload = io.BytesIO(_xlsx(rows))
    upload.name = "题库.xlsx"
    response = client.post("/admin/exams/import/", {"file": upload})
    text = response.content.decode()
    assert response.status_code == 200
    assert "共 8 行：新增 4，更新 0，无变化 0，失败 4" in text
    assert "第 4 行" in text and "选择题至少要有两个选项" in text
    assert "第 6 行" in text and "题型“问答”无法识别" in text
    assert "第 8 行" in text and "多选题至少要有两个正确答案" in text
    assert "第 10 行" in text and "难度“超难”无法识别" in text
    assert Question.objects.count() == 4
    fill = Question.objects.get(kind="fill")
    assert fill.answer == "十八/18" and fill.difficulty == 3
    assert set(QuestionCategory.objects.values_list("name", flat=True)) == {
        "党章",
        "党规",
    }


def test_reimport_updates_instead_of_duplicating(tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    for rows in ([HEADERS, *GOOD_ROWS], [HEADERS, *GOOD_ROWS]):
        upload = io.BytesIO(_xlsx(rows))
        upload.name = "bank.xlsx"
        response = client.post("/admin/exams/import/", {"file": upload})
    assert "新增 0，更新 0，无变化 4，失败 0" in response.content.decode()
    changed = [list(GOOD_ROWS[0]), *GOOD_ROWS[1:]]
    changed[0][9] = "见党章第十条。"
    upload = io.BytesIO(_xlsx([HEADERS, *changed]))
    upload.name = "bank.xlsx"
    response = client.post("/admin/exams/import/", {"file": upload})
    assert "新增 0，更新 1，无变化 3" in response.content.decode()
    assert Question.objects.count() == 4
    assert Question.objects.get(kind="single").explanation == "见党章第十条。"


def test_csv_import_in_gb18030(tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    text = ",".join(HEADERS) + "\n" + ",".join(GOOD_ROWS[2]) + "\n"
    upload = io.BytesIO(text.encode("gb18030"))
    upload.name = "bank.csv"
    response = client.post("/admin/exams/import/", {"file": upload})
    assert "新增 1" in response.content.decode()


def test_unreadable_file_is_refused_as_a_whole(tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    upload = io.BytesIO(b"PK\x03\x04 not really")
    upload.name = "bank.xlsx"
    response = client.post("/admin/exams/import/", {"file": upload})
    assert "无法读取该 Excel 文件" in response.content.decode()
    upload = io.BytesIO(_xlsx([["题干", "答案"]]))
    upload.name = "bank.xlsx"
    response = client.post("/admin/exams/import/", {"file": upload})
    assert "表头缺少必需的列：题型" in response.content.decode()


def test_export_is_formula_safe_and_imports_back_unchanged(tree, category):
    QuestionFactory(
        kind="single", stem='=HYPERLINK("http://x")', option_a="+1", category=category
    )
    QuestionFactory(kind="fill", stem="党费", answer="0.5%|1%")
    QuestionFactory(kind="judge", answer="B")
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    response = client.get("/admin/exams/export/", {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][: len(HEADERS)] == HEADERS
    cells = [c for row in rows[1:] for c in row]
    assert '\'=HYPERLINK("http://x")' in cells and "'+1" in cells
    assert "错误" in cells
    upload = io.BytesIO(response.content)
    upload.name = "export.xlsx"
    response = client.post("/admin/exams/import/", {"file": upload})
    assert "新增 0，更新 0，无变化 3，失败 0" in response.content.decode(), [
        response.context["report"].summary()
    ]
    assert Question.objects.count() == 3


def test_template_has_the_header_and_imports_cleanly(tree):
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    response = client.get("/admin/exams/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    upload = io.BytesIO(response.content)
    upload.name = "template.xlsx"
    response = client.post("/admin/exams/import/", {"file": upload})
    assert "新增 4，更新 0，无变化 0，失败 0" in response.content.decode()


def test_school_admin_creates_a_quiz_with_draw_rules(tree, course, bank, category):
    lesson = course.lessons[0]
    client = client_for(make_staff_user(SCHOOL_ADMIN))
    form = {
        "title": "第一讲随堂测验", "kind": "quiz", "lesson": lesson.pk, "course": "",
        "intro": "", "time_limit_minutes": 10, "max_attempts": 3, "pass_score": 60,
        "show_explanations": "on", "is_active": "on", "mode": "rules",
        "draw_rules-TOTAL_FORMS": 1, "draw_rules-INITIAL_FORMS": 0,
        "draw_rules-MIN_NUM_FORMS": 0, "draw_rules-MAX_NUM_FORMS": 1000,
        "draw_rules-0-kind": "judge", "draw_rules-0-category": category.pk,
        "draw_rules-0-difficulty": "", "draw_rules-0-count": 2,
        "draw_rules-0-ORDER": 1,
        "fixed_questions-TOTAL_FORMS": 0, "fixed_questions-INITIAL_FORMS": 0,
        "fixed_questions-MIN_NUM_FORMS": 0, "fixed_questions-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    response = client.post("/admin/exams/exams/new/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    from exams.models import Exam

    exam = Exam.objects.get()
    assert exam.lesson_id == lesson.pk and exam.question_count == 2
    # A 结业考试 without a course is refused in Chinese.
    form.update({"title": "结业考试", "kind": "final", "lesson": "", "course": ""})
    response = client.post("/admin/exams/exams/new/", form)
    assert "结业考试要选择课程" in response.content.decode()
