"""The search form reads the query string leniently (issue 14, code point 3): every
value it cannot use takes its default, the reader is told in Chinese where the search
differs from what was asked, and nothing a link can carry makes the page fail."""

import datetime

import pytest
from django.http import QueryDict

from search import registry
from search.forms import MAX_PAGE, SearchCriteria, SearchForm, read_criteria

FACETS = ["issuer", "year", "q", "page"]


def criteria(query: str, **kwargs) -> SearchCriteria:
    return read_criteria(QueryDict(query), facet_names=FACETS, **kwargs)


def test_an_empty_query_string_is_the_defaults():
    assert criteria("") == SearchCriteria()
    assert criteria("", page_size=20).page_size == 20
    assert not criteria("").has_criteria()


def test_values_are_read_from_the_parameters_the_pages_send():
    known = sorted(source.type for source in registry.sources())[0]
    result = criteria(
        f"q=+党费++标准+&mode=any&scope=title&sort=date_asc&page=3&page_size=25"
        f"&type={known}&type=nosuchtype&from=2024-01-01&to=2024-12-31"
        "&issuer=机关党委&issuer=+&year=2024"
    )
    assert result == SearchCriteria(
        q="党费 标准",
        mode="any",
        scope="title",
        sort="date_asc",
        page=3,
        page_size=25,
        types=[known],
        filters={"issuer": ["机关党委"], "year": ["2024"]},
        date_from=datetime.date(2024, 1, 1),
        date_to=datetime.date(2024, 12, 31),
    )
    assert result.has_criteria()


@pytest.mark.parametrize(
    "value", ["²", "1_000", "0", "-3", "1e3", "nan", "３", "1\x00", "9" * 40, "10**25"]
)
def test_a_page_number_it_cannot_use_is_the_default(value):
    result = criteria(_qs(page=value))
    assert result.page == 1
    assert criteria(_qs(page_size=value), page_size=20).page_size == 20
    assert result.warnings == []


def test_numbers_above_the_maximum_count_as_the_maximum():
    assert criteria(_qs(page=MAX_PAGE + 5)).page == MAX_PAGE
    assert criteria(_qs(page_size=1000)).page_size == 50


@pytest.mark.parametrize("value", ["ANY", "random", "any\x00", "<script>"])
def test_unknown_choices_are_the_defaults(value):
    result = criteria(_qs(mode=value, scope=value, sort=value))
    assert (result.mode, result.scope, result.sort) == ("all", "all", "relevance")


def test_bad_dates_are_ignored_with_a_message_and_reversed_ones_swapped():
    result = criteria(_qs(**{"from": "2024-02-30", "to": "２０２４-01-01"}))
    assert (result.date_from, result.date_to) == (None, None)
    assert result.warnings == [
        "起始日期格式不正确，应为“年-月-日”，例如 2024-01-31；已忽略此条件。",
        "截止日期格式不正确，应为“年-月-日”，例如 2024-01-31；已忽略此条件。",
    ]
    result = criteria(_qs(**{"from": "2024-12-31", "to": "2024-1-1"}))
    assert result.date_from == datetime.date(2024, 12, 31) and result.date_to is None
    result = criteria(_qs(**{"from": "2024-12-31", "to": "2024-01-01"}))
    assert (result.date_from, result.date_to) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 12, 31),
    )
    assert result.warnings == ["起始日期晚于截止日期，已互换。"]


def test_long_queries_are_cut_and_control_characters_become_spaces():
    result = criteria(_qs(q="党" * 150))
    assert result.q == "党" * 100 and result.truncated
    assert result.warnings == ["搜索词过长，只使用了前 100 个字。"]
    assert criteria(_qs(q="党费\x00标准\t")).q == "党费 标准"


def test_facet_filters_are_bounded_and_never_the_forms_own_parameters():
    values = "&".join(_qs(issuer=f"{i}" * 300) for i in range(30))
    result = criteria(values + "&" + _qs(q="党费", page="2"))
    assert len(result.filters["issuer"]) == 20
    assert {len(v) for v in result.filters["issuer"]} == {200}
    assert set(result.filters) == {"issuer"}  # q and page stay themselves
    assert criteria(_qs(branch="第一党支部")).filters == {}  # not a facet here


def test_the_form_is_a_django_form_named_by_its_parameters():
    form = SearchForm(QueryDict("from=2024-01-01&type=policy"), facet_names=FACETS)
    assert form.is_valid()
    assert form["date_from"].html_name == "from"
    assert form["types"].html_name == "type"
    assert form["date_to"].html_name == "to"
    assert set(form.fields) >= {"q", "page", "issuer", "year"}


def _qs(**params) -> str:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = str(value)
    return query.urlencode()
