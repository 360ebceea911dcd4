import datetime

import pytest

from library.metadata import (
    chinese_number,
    dates_from_history,
    infer_doc_type,
    is_heading,
    parse_doc_number,
)


@pytest.mark.parametrize(
    ("raw", "prefix", "year", "number", "display"),
    [
        ("国发〔2016〕31号", "国发", 2016, 31, "国发〔2016〕31号"),
        ("法释〔2022〕20号", "法释", 2022, 20, "法释〔2022〕20号"),
        ("国办发[2016]31号", "国办发", 2016, 31, "国办发〔2016〕31号"),
        ("国发（2016）第31号", "国发", 2016, 31, "国发〔2016〕31号"),
        ("高检发释字〔2015〕4号", "高检发释字", 2015, 4, "高检发释字〔2015〕4号"),
        ("红星党发【２０２５】１２号", "红星党发", 2025, 12, "红星党发〔2025〕12号"),
        (
            "中华人民共和国国务院令第614号",
            "中华人民共和国国务院令",
            None,
            614,
            "中华人民共和国国务院令第614号",
        ),
        ("主席令第五十三号", "主席令", None, 53, "主席令第53号"),
        (
            "杭州市第十二届人民代表大会常务委员会公告第13号",
            "杭州市第十二届人民代表大会常务委员会公告",
            None,
            13,
            "杭州市第十二届人民代表大会常务委员会公告第13号",
        ),
    ],
)
def test_doc_numbers_split_into_prefix_year_and_serial(
    raw, prefix, year, number, display
):
    parsed = parse_doc_number(raw)
    assert (parsed.prefix, parsed.year, parsed.number, parsed.display) == (
        prefix,
        year,
        number,
        display,
    )


@pytest.mark.parametrize("raw", ["", None, "无", "国发2016", "第号"])
def test_text_that_is_not_a_doc_number_is_rejected(raw):
    assert parse_doc_number(raw) is None


def test_chinese_numerals_convert():
    assert chinese_number("六百一十四") == 614
    assert chinese_number("十五") == 15
    assert chinese_number("二〇一六") == 2016


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        ("关于开展主题党日活动的通知", "通知"),
        ("党费收缴使用管理办法", "办法"),
        ("三会一课制度实施细则", "细则"),
        ("中华人民共和国海岛保护法", "法律"),
        ("上海口岸服务条例", "条例"),
        ("最高人民法院关于审理案件适用法律若干问题的解释（二）", "解释"),
        ("某某工作备忘", "其他"),
    ],
)
def test_doc_type_is_inferred_from_the_title(title, doc_type):
    assert infer_doc_type(title) == doc_type


def test_written_and_publish_dates_come_from_history_lines():
    history = [
        "2011年3月9日国务院第148次常务会议通过",
        "2011年4月16日 中华人民共和国国务院令第596号公布",
        "自2011年6月1日起施行",
    ]
    assert dates_from_history(history, None) == (
        datetime.date(2011, 3, 9),
        datetime.date(2011, 4, 16),
    )


def test_dates_fall_back_to_the_version_date():
    day = datetime.date(2020, 5, 14)
    assert dates_from_history([], day) == (day, day)


def test_chapter_lines_are_headings():
    assert is_heading("第一章 总则")
    assert not is_heading("第一条 为了规范管理,制定本办法。")
