"""Answer keys, responses and scores (exams.rules, no database)."""

import pytest

from exams import rules


@pytest.mark.parametrize(
    ("kind", "key", "letters", "expected"),
    [
        ("single", " b ", "ABCD", "B"),
        ("multiple", "D,A、C", "ABCD", "ACD"),
        ("judge", "√", "", "A"),
        ("judge", "错误", "", "B"),
        ("fill", " 十八 | 党员 / 共产党员 ", "", "十八|党员/共产党员"),
    ],
)
def test_keys_are_normalised(kind, key, letters, expected):
    assert rules.normalise_key(kind, key, letters) == expected


@pytest.mark.parametrize(
    ("kind", "key", "letters", "message"),
    [
        ("single", "AB", "ABCD", "单选题只能有一个正确答案"),
        ("multiple", "A", "ABCD", "多选题至少要有两个正确答案"),
        ("single", "E", "ABCD", "答案中的选项 E 没有内容"),
        ("single", "甲", "ABCD", "答案应为选项字母"),
        ("judge", "也许", "", "判断题的答案应为“正确”或“错误”"),
        ("fill", "十八||", "", "每个空都要有答案"),
    ],
)
def test_bad_keys_are_refused_in_chinese(kind, key, letters, message):
    with pytest.raises(rules.AnswerKeyError, match=message):
        rules.normalise_key(kind, key, letters)


def test_options_must_start_at_a_without_gaps():
    with pytest.raises(rules.AnswerKeyError, match="连续"):
        rules.check_options("single", {"A": "甲", "C": "丙"})
    rules.check_options("single", {"A": "甲", "B": "乙"})


def test_multiple_choice_needs_exactly_the_right_letters():
    assert rules.is_correct("multiple", "ACD", ["D", "A", "C"])
    assert not rules.is_correct("multiple", "ACD", ["A", "C"])
    assert not rules.is_correct("multiple", "ACD", ["A", "B", "C", "D"])
    assert not rules.is_correct("single", "B", [])


def test_fill_accepts_any_listed_form_ignoring_width_and_spaces():
    key = "十八|党员/共产党员"
    assert rules.is_correct("fill", key, ["十八", " 共产 党员 "])
    assert rules.is_correct("fill", key, ["十八", "党员"])
    assert not rules.is_correct("fill", key, ["18", "党员"])


def test_tampered_responses_are_refused():
    with pytest.raises(rules.AnswerKeyError, match="选项不属于这道题"):
        rules.clean_response("single", ["Z"], "ABCD", 0)
    with pytest.raises(rules.AnswerKeyError, match="只能选一个"):
        rules.clean_response("single", ["A", "B"], "ABCD", 0)
    with pytest.raises(rules.AnswerKeyError, match="格式"):
        rules.clean_response("single", "A", "ABCD", 0)
    with pytest.raises(rules.AnswerKeyError, match="数量"):
        rules.clean_response("fill", ["x"], "", 2)


def test_score_is_out_of_100_rounded_half_up():
    assert rules.score(0, 4) == 0
    assert rules.score(3, 4) == 75
    assert rules.score(2, 3) == 67
    assert rules.score(1, 8) == 13
    assert rules.score(5, 5) == 100
