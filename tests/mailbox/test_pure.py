"""Working days, tracking numbers and sensitive-word matching: no database."""

from datetime import date

import pytest

from mailbox import sensitive
from mailbox.calendar_data import calendar_rows
from mailbox.workdays import add_working_days, is_working_day, working_days_between
from members import tracking

CAL = {
    "holidays": {d for d, work, _n, _p in calendar_rows() if not work},
    "extra_workdays": {d for d, work, _n, _p in calendar_rows() if work},
}


def test_plain_week_skips_the_weekend():
    # Friday 2026-11-20 + 5 working days = Friday 2026-11-27.
    assert add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)


def test_national_day_holiday_and_adjusted_workdays_count_correctly():
    # Letter on Tue 2026-09-29: 30 Sep is a workday, 1–7 Oct holidays,
    # Thu 8, Fri 9 and the adjusted Saturday 10 Oct are workdays, then Mon 12.
    assert add_working_days(date(2026, 9, 29), 5, **CAL) == date(2026, 10, 12)
    assert is_working_day(date(2026, 10, 10), **CAL)
    assert is_working_day(date(2026, 9, 20), **CAL)
    assert not is_working_day(date(2026, 10, 5), **CAL)


def test_spring_festival_2026_is_nine_days_off():
    assert add_working_days(date(2026, 2, 13), 1, **CAL) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1, **CAL) == date(2026, 2, 24)


def test_zero_days_is_the_start_and_negative_is_refused():
    assert add_working_days(date(2026, 5, 1), 0, **CAL) == date(2026, 5, 1)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 5, 1), -1)


def test_working_days_between_is_inverse_of_adding():
    start = date(2026, 4, 30)
    end = add_working_days(start, 7, **CAL)
    assert working_days_between(start, end, **CAL) == 7
    assert working_days_between(end, start, **CAL) == -7


def test_shipped_calendar_covers_this_and_next_year():
    years = {d.year for d, *_ in calendar_rows()}
    assert years == {2026, 2027}


def test_tracking_number_is_dated_random_and_self_checking():
    number = tracking.new_tracking_number(date(2026, 11, 21))
    assert number.startswith("20261121-")
    assert tracking.normalize_tracking_number(number) == number
    assert (
        tracking.normalize_tracking_number(number.lower().replace("-", " ")) == number
    )
    numbers = {tracking.new_tracking_number(date(2026, 11, 21)) for _ in range(2000)}
    assert len(numbers) == 2000


def test_a_single_typo_in_a_tracking_number_is_detected():
    for _ in range(50):
        _assert_typos_detected(tracking.new_tracking_number(date(2026, 11, 21)))


def _assert_typos_detected(number: str) -> None:
    body = number.replace("-", "")
    for position in range(8, len(body) - 1):
        for replacement in "0123456789ABCDEFGHJKMNPQRSTVWXYZ":
            if replacement == body[position]:
                continue
            typo = body[:position] + replacement + body[position + 1 :]
            assert tracking.normalize_tracking_number(typo) is None


def test_query_code_has_at_least_60_bits_and_matches_only_its_hash():
    code = tracking.new_query_code()
    assert len(code.replace("-", "")) * 5 >= 60
    key = b"k" * 32
    digest = tracking.hash_query_code(code, key=key)
    assert code not in digest
    assert tracking.query_code_matches(code.lower(), digest, key=key)
    assert not tracking.query_code_matches(tracking.new_query_code(), digest, key=key)


@pytest.mark.parametrize(
    "text",
    [
        "这里有违禁词语",
        "这里有違禁詞語",  # traditional
        "这里有违\u200b禁\u200d词语",  # zero-width
        "这里有违 禁 词 语",  # spacing
        "这里有违.禁*词_语",  # fillers
        "ＡＢＣ违禁词语",  # full-width
    ],
)
def test_sensitive_words_match_after_normalisation(text):
    assert sensitive.find_words(text, ["违禁词语"]) == ["违禁词语"]


def test_sensitive_words_match_latin_case_insensitively():
    assert sensitive.find_words("buy F a K e docs", ["fake"]) == ["fake"]


def test_clean_text_matches_nothing():
    assert sensitive.find_words("今天学习了党章。", ["违禁词语", "fake"]) == []
