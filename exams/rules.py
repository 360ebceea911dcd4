"""Answer rules with no Django in them: normalising answer keys, grading, scoring.

A question's key is stored as text, the way the spreadsheet writes it:

* 单选: one option letter, ``B``;
* 多选: two or more letters in order, ``ACD``;
* 判断: ``A`` (正确) or ``B`` (错误); the spreadsheet may say 正确/对/√/T or 错误/错/×/F;
* 填空: one entry per blank separated by ``|``, each entry one or more accepted
  answers separated by ``/``: ``十八|党员/共产党员``.

A member's response is a list: the letters chosen, or the text of each blank.
"""

from __future__ import annotations

import re
import unicodedata

LETTERS = "ABCDEF"
SINGLE, MULTIPLE, JUDGE, FILL = "single", "multiple", "judge", "fill"
KINDS = (SINGLE, MULTIPLE, JUDGE, FILL)
JUDGE_OPTIONS = (("A", "正确"), ("B", "错误"))
_TRUE = {"A", "正确", "对", "√", "✓", "T", "TRUE", "是", "Y"}
_FALSE = {"B", "错误", "错", "×", "✗", "X", "F", "FALSE", "否", "N"}
MAX_BLANKS = 10
MAX_BLANK_LENGTH = 100


class AnswerKeyError(ValueError):
    """The key cannot be used for the question; the message is Chinese."""


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def normalise_key(kind: str, key: str, letters: str) -> str:
    """The canonical key of a question of ``kind`` with options ``letters``."""
    text = _squash(key).upper()
    if kind == JUDGE:
        if text in _TRUE:
            return "A"
        if text in _FALSE:
            return "B"
        raise AnswerKeyError("判断题的答案应为“正确”或“错误”")
    if kind in (SINGLE, MULTIPLE):
        chosen = re.sub(r"[,，、;；]", "", text)
        if not chosen or not set(chosen) <= set(LETTERS):
            raise AnswerKeyError("答案应为选项字母，例如 B 或 ACD")
        missing = sorted(set(chosen) - set(letters))
        if missing:
            raise AnswerKeyError(f"答案中的选项 {''.join(missing)} 没有内容")
        if len(set(chosen)) != len(chosen):
            raise AnswerKeyError("答案中的选项字母重复")
        if kind == SINGLE and len(chosen) != 1:
            raise AnswerKeyError("单选题只能有一个正确答案")
        if kind == MULTIPLE and len(chosen) < 2:
            raise AnswerKeyError("多选题至少要有两个正确答案")
        return "".join(sorted(chosen))
    if kind == FILL:
        blanks = [
            "/".join(a.strip() for a in part.split("/") if a.strip())
            for part in unicodedata.normalize("NFKC", key or "").split("|")
        ]
        if not any(blanks):
            raise AnswerKeyError("填空题要填写答案")
        if not all(blanks):
            raise AnswerKeyError("填空题的每个空都要有答案（用 | 分隔各空）")
        if len(blanks) > MAX_BLANKS:
            raise AnswerKeyError(f"填空题最多 {MAX_BLANKS} 个空")
        return "|".join(blanks)
    raise AnswerKeyError("未知的题型")


def check_options(kind: str, options: dict[str, str]) -> None:
    """Options must be consecutive from A; choice questions need at least two."""
    if kind in (JUDGE, FILL):
        return
    present = [letter for letter in LETTERS if options.get(letter, "").strip()]
    if len(present) < 2:
        raise AnswerKeyError("选择题至少要有两个选项")
    if "".join(present) != LETTERS[: len(present)]:
        raise AnswerKeyError("选项要从 A 开始连续填写，中间不能空缺")


def blank_count(kind: str, key: str) -> int:
    """How many blanks a member fills in (0 for choice questions)."""
    return len(key.split("|")) if kind == FILL else 0


def clean_response(kind: str, response, letters: str, blanks: int) -> list[str]:
    """A member's response checked against the question; AnswerKeyError if tampered."""
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        raise AnswerKeyError("答案格式不正确")
    if kind == FILL:
        if len(response) != blanks:
            raise AnswerKeyError("填空的数量不对")
        return [r.strip()[:MAX_BLANK_LENGTH] for r in response]
    chosen = sorted(set(response))
    if not set(chosen) <= set(letters):
        raise AnswerKeyError("选项不属于这道题")
    if kind in (SINGLE, JUDGE) and len(chosen) > 1:
        raise AnswerKeyError("这道题只能选一个答案")
    return chosen


def _fill_equal(given: str, accepted: str) -> bool:
    return _squash(given).casefold() == _squash(accepted).casefold()


def is_correct(kind: str, key: str, response: list[str] | None) -> bool:
    """Whether a cleaned response matches the key (多选: all and only the right ones)."""
    if not response:
        return False
    if kind == FILL:
        blanks = key.split("|")
        return len(response) == len(blanks) and all(
            any(_fill_equal(given, a) for a in accepted.split("/"))
            for given, accepted in zip(response, blanks, strict=True)
        )
    return "".join(sorted(response)) == key


def score(correct: int, total: int) -> int:
    """A score out of 100, every question weighing the same (rounded half up)."""
    if total <= 0:
        return 0
    return (correct * 200 + total) // (total * 2)


def key_display(kind: str, key: str) -> str:
    """The key as the result page and the spreadsheet show it."""
    if kind == JUDGE:
        return dict(JUDGE_OPTIONS).get(key, key)
    if kind == FILL:
        return "；".join(part.replace("/", " 或 ") for part in key.split("|"))
    return key


def key_for_sheet(kind: str, key: str) -> str:
    """The key as written back to a spreadsheet (re-importable)."""
    return dict(JUDGE_OPTIONS).get(key, key) if kind == JUDGE else key


def mask_name(name: str) -> str:
    """A name as the public verification page shows it: 张*明, 李*, 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
