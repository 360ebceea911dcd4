"""The search form: what the reader asked for, read from the query string.

Searching is lenient, so that a link with a stale or mistyped value still finds
something: a value the form cannot use takes the field's default (a number above its
maximum counts as the maximum), and the reader is told in Chinese only where the search
differs from what was asked (a long query cut, a bad date ignored, dates swapped).
Values are read with home.params, as every view reads parameters. No value makes the
search page answer anything but 200 (503 when the engine is down).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django import forms

from home.params import BadParameter, choice_param, date_param, int_param
from search import registry
from search.documents import MODE_ALL, SCOPE_ALL, SORT_RELEVANCE
from search.query import clean_text, max_page_size, max_query_chars

SORT_LABELS = {
    SORT_RELEVANCE: "按相关度",
    "date": "按日期（新→旧）",
    "date_asc": "按日期（旧→新）",
}
MODE_LABELS = {MODE_ALL: "包含全部词语", "any": "包含任一词语"}
SCOPE_LABELS = {SCOPE_ALL: "全文", "title": "仅标题"}
# Parameters of the form itself; never a facet filter.
RESERVED = {"q", "page", "page_size", "sort", "mode", "scope", "from", "to", "type"}
# Pages beyond this are never linked (nor kept by Elasticsearch's result window).
MAX_PAGE = 1000
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 200


@dataclass
class SearchCriteria:
    """The cleaned search: what the views query with and the templates show."""

    q: str = ""
    mode: str = MODE_ALL
    scope: str = SCOPE_ALL
    sort: str = SORT_RELEVANCE
    page: int = 1
    page_size: int = 10
    types: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False

    def has_criteria(self) -> bool:
        """True when there is anything to search for (text, type, facet or dates)."""
        return bool(
            self.q or self.types or self.filters or self.date_from or self.date_to
        )


def lenient_int(params, name: str, default: int, maximum: int) -> int:
    """A positive whole number, at most maximum; anything else is the default."""
    try:
        value = int_param(params, name, default=default, minimum=1)
    except BadParameter:
        return default
    return min(value, maximum)


class ParameterField(forms.Field):
    """One query-string value as sent; the form's clean_<name> reads it."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


class ValuesField(ParameterField):
    """Every value of a repeated parameter (?type=a&type=b), blank ones left out."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        return [v for v in value or [] if isinstance(v, str) and v.strip()]


class SearchForm(forms.Form):
    """The query string of the search and library pages and of /api/search.

    Fields are named as the parameters are, except date_from and date_to (sent as
    ``from`` and ``to``) and types (``type``); one ValuesField per facet the page
    filters on is added by name. ``criteria()`` gives the cleaned search.
    """

    PARAMETERS = {"date_from": "from", "date_to": "to", "types": "type"}
    DATE_LABELS = {"date_from": "起始日期", "date_to": "截止日期"}

    q = ParameterField()
    mode = ParameterField()
    scope = ParameterField()
    sort = ParameterField()
    page = ParameterField()
    page_size = ParameterField()
    types = ValuesField()
    date_from = ParameterField()
    date_to = ParameterField()

    def __init__(self, data, *, facet_names=(), page_size: int = 10, **kwargs):
        super().__init__(data, **kwargs)
        self.default_page_size = page_size
        self.facet_names = [
            n for n in facet_names if n not in RESERVED and n not in self.fields
        ]
        for name in self.facet_names:
            self.fields[name] = ValuesField()
        self.warnings: list[str] = []
        self.truncated = False

    def add_prefix(self, field_name: str) -> str:
        """The parameter a field is read from (``from`` is a Python keyword)."""
        return super().add_prefix(self.PARAMETERS.get(field_name, field_name))

    # Single values: read with home.params; what cannot be used is the default.

    def _param(self, name: str):
        return {name: self.cleaned_data.get(name)}

    def _number(self, name: str, default: int, maximum: int) -> int:
        return lenient_int(self._param(name), name, default, maximum)

    def _choice(self, name: str, choices, default: str) -> str:
        try:
            return choice_param(self._param(name), name, choices, default=default)
        except BadParameter:
            return default

    def _date(self, name: str) -> datetime.date | None:
        try:
            return date_param(self._param(name), name)
        except BadParameter:
            self.warnings.append(
                f"{self.DATE_LABELS[name]}格式不正确，应为“年-月-日”，"
                "例如 2024-01-31；已忽略此条件。"
            )
            return None

    def clean_q(self) -> str:
        raw = self.cleaned_data.get("q")
        raw = raw if isinstance(raw, str) else ""
        if len(" ".join(raw.split())) > max_query_chars():
            self.truncated = True
            self.warnings.append(f"搜索词过长，只使用了前 {max_query_chars()} 个字。")
        return clean_text(raw)

    def clean_mode(self) -> str:
        return self._choice("mode", MODE_LABELS, MODE_ALL)

    def clean_scope(self) -> str:
        return self._choice("scope", SCOPE_LABELS, SCOPE_ALL)

    def clean_sort(self) -> str:
        return self._choice("sort", SORT_LABELS, SORT_RELEVANCE)

    def clean_page(self) -> int:
        return self._number("page", 1, MAX_PAGE)

    def clean_page_size(self) -> int:
        return self._number("page_size", self.default_page_size, max_page_size())

    def clean_types(self) -> list[str]:
        known = {source.type for source in registry.sources()}
        return [t for t in self.cleaned_data["types"] if t in known]

    def clean_date_from(self) -> datetime.date | None:
        return self._date("date_from")

    def clean_date_to(self) -> datetime.date | None:
        return self._date("date_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.warnings.append("起始日期晚于截止日期，已互换。")
            cleaned["date_from"], cleaned["date_to"] = end, start
        return cleaned

    def criteria(self) -> SearchCriteria:
        """The cleaned search (the form is validated first if it was not)."""
        self.is_valid()  # validates once; a field in error has its default below
        data = self.cleaned_data
        filters = {}
        for name in self.facet_names:
            values = [v[:MAX_FILTER_CHARS] for v in data.get(name) or []]
            if values:
                filters[name] = values[:MAX_FILTER_VALUES]
        return SearchCriteria(
            q=data.get("q", ""),
            mode=data.get("mode", MODE_ALL),
            scope=data.get("scope", SCOPE_ALL),
            sort=data.get("sort", SORT_RELEVANCE),
            page=data.get("page", 1),
            page_size=data.get("page_size", self.default_page_size),
            types=data.get("types", []),
            filters=filters,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            warnings=list(self.warnings),
            truncated=self.truncated,
        )


def read_criteria(params, *, facet_names, page_size: int = 10) -> SearchCriteria:
    """The cleaned search for a query string (a QueryDict or any mapping with getlist)."""
    return SearchForm(params, facet_names=facet_names, page_size=page_size).criteria()
