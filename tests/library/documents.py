"""Policy documents written for the tests: JSON Lines records and a sample folder.

The records follow the corpus schema (id, title, category, subcategory, level, issuer,
date, doc_number, history, body) and are generated here, so the tests need nothing
outside the repository. The folder under ``samples/`` (TXT in UTF-8 and GB18030, DOCX,
PDF, with ``metadata.csv``) is written by ``python -m tests.library.documents`` and
committed; rerun it after changing the texts below.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"

ISSUERS = [
    "中共红星集团委员会",
    "红星集团党委组织部",
    "红星集团党委宣传部",
    "中共红星集团纪律检查委员会",
    "红星集团工会委员会",
]
CATEGORIES = [
    ("党内法规", "党的组织"),
    ("党内法规", "党的建设"),
    ("规范性文件", "组织工作"),
    ("规范性文件", "宣传工作"),
    ("工作制度", "基层党建"),
]
PREFIXES = ["红星党发", "红星组字", "红星宣发", "红星纪发", "红星工字"]
TOPICS = [
    "党费收缴使用和管理",
    "发展党员工作",
    "党支部标准化规范化建设",
    "党员教育培训",
    "基层党组织换届选举",
    "“三会一课”",
    "主题党日活动",
    "党员积分管理",
    "党务公开",
    "流动党员管理",
    "党员领导干部双重组织生活",
    "谈心谈话",
    "民主评议党员",
    "困难党员帮扶",
    "党建品牌创建",
    "青年理论学习小组",
    "意识形态工作责任制",
    "网络宣传阵地管理",
    "新闻发布和信息报送",
    "廉洁风险防控",
]
KINDS = ["办法", "实施细则", "工作规则", "规定"]
CLAUSES = [
    "各级党组织应当把{topic}纳入年度工作计划，明确责任人和完成时限。",
    "党支部书记是本支部{topic}的第一责任人，支部委员按照分工落实具体事项。",
    "{topic}情况每半年向上级党组织书面报告一次，重要情况随时报告。",
    "党委组织部负责{topic}的统筹协调、督促检查和业务指导。",
    "开展{topic}应当坚持实事求是，做到程序规范、资料完整、结果公开。",
    "对{topic}中表现突出的集体和个人，按照有关规定给予表扬。",
    "对不按规定开展{topic}、造成不良影响的，依规依纪追究有关人员责任。",
    "{topic}形成的记录、表格和影像资料由党支部整理归档，保存期限不少于五年。",
    "各单位可以结合实际制定{topic}的具体措施，报党委组织部备案。",
    "党员应当积极参加{topic}，主动接受组织和群众监督。",
]
CHAPTERS = ["总则", "职责分工", "工作程序", "监督检查", "附则"]
NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")


def body_text(topic: str, seed: int) -> str:
    """Chapters of numbered articles (第一章 … 第一条 …) about one topic."""
    lines: list[str] = []
    article = 0
    for index, chapter in enumerate(CHAPTERS, start=1):
        lines.append(f"第{_numeral(index)}章 {chapter}")
        for offset in range(2):
            article += 1
            clause = CLAUSES[(seed + index * 2 + offset) % len(CLAUSES)]
            lines.append(f"第{_numeral(article)}条 {clause.format(topic=topic)}")
    lines.append(f"第{_numeral(article + 1)}条 本{topic}制度自印发之日起施行。")
    return "\n".join(lines)


def records(count: int = 40, *, with_doc_number: int = 8) -> list[dict]:
    """``count`` distinct records; the first ``with_doc_number`` carry a 发文字号."""
    picked = []
    for n in range(count):
        topic = TOPICS[n % len(TOPICS)]
        kind = KINDS[(n // len(TOPICS) + n) % len(KINDS)]
        year = 2015 + n % 11
        category, subcategory = CATEGORIES[n % len(CATEGORIES)]
        issuer = ISSUERS[n % len(ISSUERS)]
        title = f"红星集团{topic}{kind}"
        if n >= len(TOPICS) * len(KINDS) // 4:
            title = f"红星集团第{_numeral(n % 9 + 1)}分公司{topic}{kind}"
        date = f"{year}-{n % 12 + 1:02d}-{n % 27 + 1:02d}"
        picked.append(
            {
                "id": f"hx-test-{n:03d}",
                "title": title,
                "category": category,
                "subcategory": subcategory,
                "level": category,
                "issuer": issuer,
                "date": date,
                "doc_number": (
                    f"{PREFIXES[n % len(PREFIXES)]}〔{year}〕{n + 3}号"
                    if n < with_doc_number
                    else None
                ),
                "history": [
                    f"{year}年{n % 12 + 1}月{n % 27 + 1}日 {issuer}会议审议通过",
                    f"{year}年{n % 12 + 1}月{n % 27 + 2}日 印发施行",
                ],
                "body": body_text(topic, n),
            }
        )
    return picked


# ---- the sample folder --------------------------------------------------------------

FIELDS = [
    "filename",
    "title",
    "issuer",
    "date",
    "category",
    "level",
    "doc_number",
    "doc_id",
    "encoding",
]


def file_text(record: dict) -> str:
    """A document as a file holds it: title, history lines, then the body."""
    return "\n\n".join([record["title"], "\n".join(record["history"]), record["body"]])


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(text: str) -> bytes:
    """A PDF of several pages with an embedded (subset) Noto Serif CJK face."""
    from fpdf import FPDF

    from exams.certificates import SERIF, _face_index, _find_font

    font = _find_font(SERIF[0])
    pdf = FPDF()
    pdf.set_creation_date(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    pdf.add_font("cjk", fname=str(font), collection_font_number=_face_index(font))
    pdf.set_font("cjk", size=12)
    for block in text.split("\n\n"):
        pdf.add_page()
        pdf.multi_cell(0, 8, block)
    return bytes(pdf.output())


def build(folder: Path = SAMPLES) -> None:
    folder.mkdir(exist_ok=True)
    chosen = records(6, with_doc_number=3)
    kinds = ["txt", "txt", "txt", "docx", "docx", "pdf", "pdf"]
    chosen.append({**records(7, with_doc_number=0)[6]})
    rows = []
    for index, (record, kind) in enumerate(zip(chosen, kinds, strict=True)):
        filename = f"{record['id']}.{kind}"
        text = file_text(record)
        encoding = ""
        if kind == "txt" and index == 1:
            encoding = "gb18030"
            data = text.replace("\n", "\r\n").encode("gb18030")
        elif kind == "txt":
            data = text.encode("utf-8")
        elif kind == "docx":
            data = _docx(text)
        else:
            # The PDFs repeat their body so that extraction takes measurable time.
            data = _pdf(file_text({**record, "body": record["body"] * 3}))
        (folder / filename).write_bytes(data)
        rows.append(
            {
                "filename": filename,
                "title": record["title"],
                "issuer": record["issuer"],
                "date": record["date"],
                "category": record["category"],
                "level": record["level"],
                "doc_number": record["doc_number"] or "",
                "doc_id": record["id"],
                "encoding": encoding,
            }
        )
    with (folder / "metadata.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    import logging
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    build()
