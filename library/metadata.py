"""Pure rules for policy-document metadata: 发文字号, 公文种类, dates from history lines."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

# Year brackets seen in the wild: 〔〕 (the standard), [] 【】 () （） ［］ 〈〉.
_OPEN = "〔[【(（［〈"
_CLOSE = "〕]】)）］〉"
_YEAR_STYLE = re.compile(
    rf"^(?P<prefix>.+?)\s*[{re.escape(_OPEN)}]\s*(?P<year>\d{{4}})\s*"
    rf"[{re.escape(_CLOSE)}]\s*第?\s*(?P<number>[0-9零〇一二两三四五六七八九十百千]+)\s*号$"
)
_ORDER_STYLE = re.compile(
    r"^(?P<prefix>.+?)\s*第\s*(?P<number>[0-9零〇一二两三四五六七八九十百千]+)\s*号$"
)


@dataclass(frozen=True)
class DocNumber:
    """A parsed 发文字号: 机关代字 prefix, year (if any), serial number, display form."""

    prefix: str
    year: int | None
    number: int
    display: str


def chinese_number(text: str) -> int:
    """Turn 614 / 六百一十四 / 十五 / 二〇一六 into an int; ValueError otherwise."""
    if text.isdigit():
        return int(text)
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            raise ValueError(text)
    return total + current


def parse_doc_number(raw: str | None) -> DocNumber | None:
    """Parse 国发〔2016〕31号, 法释[2022]20号, 中华人民共和国国务院令第614号; None if not one."""
    if not raw:
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    # NFKC turns 〔〕 into themselves but （） into (); keep the display in house style.
    text = re.sub(r"\s+", "", text)
    match = _YEAR_STYLE.match(text)
    if match:
        prefix = match["prefix"]
        year = int(match["year"])
        number = chinese_number(match["number"])
        return DocNumber(prefix, year, number, f"{prefix}〔{year}〕{number}号")
    match = _ORDER_STYLE.match(text)
    if match:
        prefix = match["prefix"]
        number = chinese_number(match["number"])
        return DocNumber(prefix, None, number, f"{prefix}第{number}号")
    return None


# Longest suffix first, so 实施细则 wins over 细则 and 暂行办法 over 办法.
DOC_TYPES = [
    "法律",
    "条例",
    "规定",
    "办法",
    "细则",
    "规则",
    "决定",
    "决议",
    "解释",
    "意见",
    "通知",
    "通报",
    "公告",
    "通告",
    "命令",
    "批复",
    "函",
    "纪要",
    "报告",
    "方案",
    "规划",
    "制度",
    "案例",
    "其他",
]
_TYPE_SUFFIXES = [
    ("实施细则", "细则"),
    ("细则", "细则"),
    ("暂行条例", "条例"),
    ("条例", "条例"),
    ("暂行规定", "规定"),
    ("若干规定", "规定"),
    ("规定", "规定"),
    ("暂行办法", "办法"),
    ("办法", "办法"),
    ("规则", "规则"),
    ("决定", "决定"),
    ("决议", "决议"),
    ("解释", "解释"),
    ("答复", "解释"),
    ("意见", "意见"),
    ("通知", "通知"),
    ("通报", "通报"),
    ("公告", "公告"),
    ("通告", "通告"),
    ("命令", "命令"),
    ("批复", "批复"),
    ("函", "函"),
    ("纪要", "纪要"),
    ("报告", "报告"),
    ("方案", "方案"),
    ("规划", "规划"),
    ("制度", "制度"),
    ("章程", "规定"),
    ("准则", "规定"),
    ("法", "法律"),
]


def infer_doc_type(title: str, level: str | None = None) -> str:
    """Guess the 公文种类 from the title's last words (a 案例 level wins)."""
    if level == "案例":
        return "案例"
    text = re.sub(r"[（(][^）)]*[）)]$", "", (title or "").strip())
    for suffix, doc_type in _TYPE_SUFFIXES:
        if text.endswith(suffix):
            return doc_type
    for suffix, doc_type in _TYPE_SUFFIXES:
        if suffix in text[-8:] and len(suffix) > 1:
            return doc_type
    return "其他"


_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_WRITTEN_WORDS = ("通过", "批准", "修订", "修正", "制定", "签署", "审议")
_PUBLISH_WORDS = ("公布", "发布", "印发", "公告")


def parse_cn_date(text: str) -> datetime.date | None:
    """The first 2016年3月9日-style date in text, or None."""
    match = _DATE.search(unicodedata.normalize("NFKC", text or ""))
    if not match:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def dates_from_history(
    history: list[str], version_date: datetime.date | None
) -> tuple[datetime.date | None, datetime.date | None]:
    """(成文日期, 发布日期) from header lines: the last 通过/修订 and 公布 at or before the version."""
    written: datetime.date | None = None
    published: datetime.date | None = None
    for line in history:
        day = parse_cn_date(line)
        if not day or (version_date and day > version_date):
            continue
        if any(word in line for word in _PUBLISH_WORDS):
            published = max(published, day) if published else day
        elif any(word in line for word in _WRITTEN_WORDS):
            written = max(written, day) if written else day
    published = published or version_date
    if written and published and written > published:
        written = None
    return written or published, published


CHAPTER_HEADING = re.compile(r"^第[一二三四五六七八九十百零〇]+[编章节](\s|$)")


def is_heading(line: str) -> bool:
    """True for 第一章 总则-style lines that should render as headings."""
    return bool(CHAPTER_HEADING.match(line.strip())) and len(line.strip()) <= 40
