"""Question bank import and export (XLSX or CSV with a Chinese header row).

Header: 题型, 题干, 选项A … 选项F, 答案, 解析, 分类, 难度 (and optionally 标签, several
separated by commas). A row matches an existing question by 题型 and 题干: it is
updated, never duplicated, so importing the same file twice changes nothing. Each
row is written in its own transaction; a bad row is reported (row number and the
problem in Chinese) and skipped, the others are imported. Reading the file and the
report are the members importer's (members.importers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from members.exports import Sheet, export_bytes
from members.importers import (
    ImportFileError,
    ImportReport,
    RowProblem,
    cell_text,
    read_table,
)

from . import rules
from .models import Question, QuestionCategory

OPTION_HEADERS = [f"选项{letter}" for letter in rules.LETTERS]
HEADERS = ["题型", "题干", *OPTION_HEADERS, "答案", "解析", "分类", "难度"]
EXPORT_HEADERS = [*HEADERS, "标签"]
COLUMNS = {
    "题型": "kind",
    "题干": "stem",
    **{f"选项{letter}": f"option_{letter.lower()}" for letter in rules.LETTERS},
    "答案": "answer",
    "解析": "explanation",
    "分类": "category",
    "难度": "difficulty",
    "标签": "tags",
}
KINDS = {
    "单选": rules.SINGLE,
    "单选题": rules.SINGLE,
    "单项选择": rules.SINGLE,
    "单项选择题": rules.SINGLE,
    "多选": rules.MULTIPLE,
    "多选题": rules.MULTIPLE,
    "多项选择": rules.MULTIPLE,
    "多项选择题": rules.MULTIPLE,
    "判断": rules.JUDGE,
    "判断题": rules.JUDGE,
    "填空": rules.FILL,
    "填空题": rules.FILL,
}
DIFFICULTIES = {
    "": Question.Difficulty.MEDIUM,
    "容易": Question.Difficulty.EASY,
    "简单": Question.Difficulty.EASY,
    "易": Question.Difficulty.EASY,
    "1": Question.Difficulty.EASY,
    "中等": Question.Difficulty.MEDIUM,
    "中": Question.Difficulty.MEDIUM,
    "一般": Question.Difficulty.MEDIUM,
    "2": Question.Difficulty.MEDIUM,
    "困难": Question.Difficulty.HARD,
    "难": Question.Difficulty.HARD,
    "较难": Question.Difficulty.HARD,
    "3": Question.Difficulty.HARD,
}
FIELDS = [
    "stem",
    *(f"option_{letter.lower()}" for letter in rules.LETTERS),
    "answer",
    "explanation",
    "difficulty",
]
LIMITS = {"stem": 1000, "explanation": 2000, "category": 50, "answer": 500}


def _key(title: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", title))


def _is_header(texts: list[str]) -> bool:
    keys = {_key(t) for t in texts}
    return "题干" in keys and "题型" in keys


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = COLUMNS.get(_key(title))
        if name and name not in columns:
            columns[name] = index
    missing = [t for t in ("题型", "题干", "答案") if COLUMNS[t] not in columns]
    if missing:
        raise ImportFileError(
            f"表头缺少必需的列：{'、'.join(missing)}。表头应为：{'、'.join(HEADERS)}"
        )
    return columns


def _normalise_stem(text: str) -> str:
    # Not NFKC: it would turn the full-width （ ） of Chinese stems into ( ).
    return text.strip()


def parse_row(cells: list, columns: dict[str, int]) -> dict:
    """One row as question fields; ValueError with a Chinese message."""

    def cell(name: str) -> str:
        index = columns.get(name)
        text = (
            cell_text(cells[index]) if index is not None and index < len(cells) else ""
        )
        limit = LIMITS.get(name, 300)
        if len(text) > limit:
            raise ValueError(f"{_title(name)}超过 {limit} 字")
        return text

    kind_text = _key(cell("kind"))
    if not kind_text:
        raise ValueError("题型为空（应为 单选、多选、判断 或 填空）")
    kind = KINDS.get(kind_text)
    if kind is None:
        raise ValueError(f"题型“{kind_text}”无法识别（应为 单选、多选、判断 或 填空）")
    stem = _normalise_stem(cell("stem"))
    if not stem:
        raise ValueError("题干为空")
    values = {"kind": kind, "stem": stem}
    for letter in rules.LETTERS:
        values[f"option_{letter.lower()}"] = cell(f"option_{letter.lower()}")
    options = {letter: values[f"option_{letter.lower()}"] for letter in rules.LETTERS}
    try:
        rules.check_options(kind, options)
        letters = "".join(letter for letter in rules.LETTERS if options[letter])
        answer = cell("answer")
        if not answer:
            raise rules.AnswerKeyError("答案为空")
        values["answer"] = rules.normalise_key(kind, answer, letters)
    except rules.AnswerKeyError as exc:
        raise ValueError(str(exc)) from None
    if kind in (rules.JUDGE, rules.FILL):
        for letter in rules.LETTERS:
            values[f"option_{letter.lower()}"] = ""
    values["explanation"] = cell("explanation")
    difficulty = _key(cell("difficulty"))
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"难度“{difficulty}”无法识别（应为 容易、中等 或 困难）")
    values["difficulty"] = int(DIFFICULTIES[difficulty])
    values["category"] = cell("category")
    values["tags"] = [
        t.strip() for t in re.split(r"[,，、;；]", cell("tags")) if t.strip()
    ][:10]
    return values


def _title(name: str) -> str:
    return next((t for t, n in COLUMNS.items() if n == name), name)


def import_questions(data: bytes, filename: str) -> ImportReport:
    """Import a question file; ImportFileError if the file as a whole is unreadable."""
    header, rows = read_table(
        data, filename, is_header=_is_header, columns_hint="、".join(HEADERS)
    )
    columns = _columns(header)
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    categories = {c.name: c for c in QuestionCategory.objects.all()}
    for number, cells in rows:
        report.total += 1
        try:
            values = parse_row(cells, columns)
            identity = (values["kind"], values["stem"])
            if identity in seen:
                raise ValueError(f"与第 {seen[identity]} 行的题型和题干相同")
            seen[identity] = number
            with transaction.atomic():
                outcome = _write(values, categories)
        except ValueError as exc:
            report.problems.append(RowProblem(number, str(exc)))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _write(values: dict, categories: dict[str, QuestionCategory]) -> str:
    category = None
    if values["category"]:
        category = categories.get(values["category"])
        if category is None:
            category, _ = QuestionCategory.objects.get_or_create(
                name=values["category"]
            )
            categories[category.name] = category
    question = (
        Question.objects.filter(kind=values["kind"], stem=values["stem"])
        .order_by("pk")
        .first()
    )
    if question is None:
        question = Question(kind=values["kind"])
        outcome = "created"
    else:
        outcome = "unchanged"
    changed = outcome == "created" or question.category_id != (
        category.pk if category else None
    )
    for name in FIELDS:
        if getattr(question, name) != values[name]:
            setattr(question, name, values[name])
            changed = True
    question.category = category
    if changed:
        question.save()
        if outcome == "unchanged":
            outcome = "updated"
    if values["tags"] and sorted(question.tags.names()) != sorted(values["tags"]):
        question.tags.set(values["tags"])
        if outcome == "unchanged":
            outcome = "updated"
    return outcome


def export_rows(questions: QuerySet[Question]) -> Iterable[list[str]]:
    """The header, then one row per question in the import format."""
    yield EXPORT_HEADERS
    for question in questions.select_related("category").prefetch_related("tags"):
        yield [
            question.get_kind_display(),
            question.stem,
            *(
                getattr(question, f"option_{letter.lower()}")
                for letter in rules.LETTERS
            ),
            rules.key_for_sheet(question.kind, question.answer),
            question.explanation,
            question.category.name if question.category else "",
            question.get_difficulty_display(),
            "，".join(sorted(tag.name for tag in question.tags.all())),
        ]


BANK_WIDTHS = [8, 48, *([18] * len(rules.LETTERS)), 10, 40, 10, 8, 14]


def bank_sheet(rows: Iterable[list[str]]) -> Sheet:
    """Rows, header first, as the 题库 sheet of members.exports."""
    rows = iter(rows)
    return Sheet(next(rows), rows, title="题库", widths=BANK_WIDTHS)


def to_bytes(rows: Iterable[list[str]], fmt: str) -> bytes:
    """Rows, header first, as XLSX or CSV (UTF-8 with BOM); cells never start a formula."""
    return export_bytes([bank_sheet(rows)], fmt)


TEMPLATE_ROWS = [
    ["单选", "党的最高领导机关是（  ）。", "党的全国代表大会和它所产生的中央委员会",
     "中央政治局", "中央书记处", "中央军事委员会", "", "", "A",
     "党章第十条：党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。",
     "党章", "容易"],
    ["多选", "党员的权利包括（  ）。", "参加党的有关会议，阅读党的有关文件，接受党的教育和培训",
     "在党的会议上和党报党刊上参加关于党的政策问题的讨论", "对党的工作提出建议和倡议",
     "不经组织同意公开发表与中央决定相悖的言论", "", "", "ABC",
     "D 项违反党的纪律，不是党员的权利。", "党章", "中等"],
    ["判断", "预备党员的预备期为一年。", "", "", "", "", "", "", "正确",
     "党章第七条：预备党员的预备期为一年。", "党章", "容易"],
    ["填空", "党的基层组织设立的委员会每届任期（  ）年至（  ）年。", "", "", "", "", "",
     "", "3|5", "党章第三十条。", "党章", "中等"],
]  # fmt: skip


def template_bytes() -> bytes:
    """The downloadable template: the header and one example row of each type."""
    return to_bytes([HEADERS, *TEMPLATE_ROWS], "xlsx")
