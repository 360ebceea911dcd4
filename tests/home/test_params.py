"""home.params: what each helper accepts, and the Chinese reason when it refuses."""

import datetime

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from home.params import (
    MAX_ID,
    BadParameter,
    choice_param,
    date_param,
    id_param,
    int_param,
    json_body,
    json_int,
    json_number,
    parse_json,
    text_param,
    year_param,
)


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_int_param_takes_plain_digits_within_bounds():
    assert int_param(q("n=42"), "n") == 42
    assert int_param(q("n=-7"), "n", minimum=-10) == -7
    assert int_param(q("n=+3"), "n") == 3
    assert int_param(q(""), "n", default=5) == 5
    assert int_param(q("n=%20%20"), "n", default=5) == 5


@pytest.mark.parametrize(
    "value",
    ["²", "１２", "1_000", "1.5", "1e3", "NaN", "inf", "0x10", "1 2", "9" * 41, "-"],
)
def test_int_param_refuses_what_int_would_take_or_choke_on(value):
    with pytest.raises(BadParameter, match="参数 n 应为整数"):
        int_param({"n": value}, "n")


def test_int_param_bounds_are_named_in_the_message():
    with pytest.raises(BadParameter, match="参数 n 应在 1 到 10 之间"):
        int_param(q("n=11"), "n", minimum=1, maximum=10)
    with pytest.raises(BadParameter, match="参数 n 应在 0 到 9223372036854775807"):
        int_param(q("n=-1"), "n", minimum=0)
    with pytest.raises(BadParameter, match="应在 -9223372036854775808 到"):
        int_param({"n": "9" * 25}, "n")  # a 64-bit column's range at most


def test_nul_is_refused():
    with pytest.raises(BadParameter, match="不允许的字符"):
        text_param({"q": "党建\x00"}, "q")


def test_id_param_fits_every_primary_key_column():
    assert id_param(q(f"id={MAX_ID}"), "id") == MAX_ID
    for bad in ("0", "-1", str(MAX_ID + 1)):
        with pytest.raises(BadParameter):
            id_param({"id": bad}, "id")


def test_year_param_refuses_year_zero_and_huge_years():
    assert year_param(q("year=2026"), "year") == 2026
    for bad in ("0", "9" * 25, "20260"):
        with pytest.raises(
            BadParameter, match=r"参数 year 应(在 2000 到 2100 之间|为整数)"
        ):
            year_param({"year": bad}, "year")


def test_date_param_takes_real_dates_only():
    assert date_param(q("from=2026-02-28"), "from") == datetime.date(2026, 2, 28)
    for bad in ("2026-02-30", "2026-2-3", "20260203", "+12026-01-01", "0000-00-00"):
        with pytest.raises(BadParameter, match="参数 from 应为日期"):
            date_param({"from": bad}, "from")


def test_choice_param_lists_the_choices():
    assert choice_param(q("f=csv"), "f", ["csv", "xlsx"]) == "csv"
    assert choice_param(q(""), "f", ["csv", "xlsx"], default="csv") == "csv"
    with pytest.raises(BadParameter, match="参数 f 只能是：csv、xlsx"):
        choice_param(q("f=exe"), "f", ["csv", "xlsx"])


def test_text_param_is_stripped_and_cut():
    assert text_param({"q": "  党建  "}, "q") == "党建"
    assert text_param({"q": "长" * 500}, "q", max_length=50) == "长" * 50


def test_parse_json_limits_size_depth_and_numbers():
    assert parse_json('{"a": [1, 2.5]}') == {"a": [1, 2.5]}
    with pytest.raises(BadParameter, match="过大"):
        parse_json("[" + "1," * 40_000 + "1]")
    with pytest.raises(BadParameter, match="不是有效的 JSON"):
        parse_json("[" * 20_000 + "]" * 20_000)  # beyond the parser's recursion
    with pytest.raises(BadParameter, match="嵌套过深"):
        parse_json("[[[[1]]]]", max_depth=3)
    assert parse_json("[[[1]]]", max_depth=3) == [[[1]]]
    for bad in ("NaN", "[Infinity]", '{"x": 1e400}', "{not json", ""):
        with pytest.raises(BadParameter):
            parse_json(bad)


def test_json_body_checks_the_declared_length_first():
    request = RequestFactory().post(
        "/", data="{}", content_type="application/json", CONTENT_LENGTH="9999999"
    )
    with pytest.raises(BadParameter, match="过大"):
        json_body(request)


def test_json_numbers():
    data = {"a": 3, "b": 3.0, "c": "12", "d": True, "e": 10**25, "f": 1.5, "g": None}
    assert json_int(data, "a") == 3
    assert json_int(data, "b") == 3
    assert json_int(data, "c") == 12
    assert json_int(data, "g", default=7) == 7
    for name in ("d", "f"):
        with pytest.raises(BadParameter, match="应为整数"):
            json_int(data, name)
    with pytest.raises(BadParameter, match="应在"):
        json_int(data, "e", maximum=MAX_ID)
    assert json_number(data, "f") == 1.5
    with pytest.raises(BadParameter):
        json_number(data, "e")
    with pytest.raises(BadParameter, match="应为数字"):
        json_number({"x": "1"}, "x")
