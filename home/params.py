"""Reading what a request sends: bounded integers, dates, choices, text and JSON.

Views read query strings, form fields and JSON bodies through these helpers, never
with int(), float(), date.fromisoformat() or json.loads() on the raw value: Python
takes '²', '1_000' and 10**25 as integers, 'nan' and '1e400' as floats, and a JSON
array nested 50,000 deep overflows the parser's stack; the database then fails on
values out of its column's range. A value the view cannot use raises BadParameter
(Django's BadRequest), which home.views.bad_request answers with a 400 page, or a
JSON body for JSON clients, that names the parameter in Chinese.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import BadRequest

# The largest primary key of any table: PostgreSQL's integer columns (AutoField,
# Wagtail's pages) end at 2**31 - 1, SQLite's at 2**63 - 1.
MAX_ID = 2**31 - 1
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 10

_INTEGER = re.compile(r"[+-]?[0-9]{1,40}")
# Without bounds of its own an integer must still fit a 64-bit database column.
_INT64 = (-(2**63), 2**63 - 1)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadParameter(BadRequest):
    """A parameter the view cannot use; the message says which and what is expected."""


def _raw(params: Mapping, name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadParameter(f"参数 {name} 的格式不正确。")
    if "\x00" in value:
        raise BadParameter(f"参数 {name} 含有不允许的字符。")
    return value.strip()


def _range_text(minimum: int | float | None, maximum: int | float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{minimum} 到 {maximum} 之间"
    if minimum is not None:
        return f"不小于 {minimum}"
    return f"不大于 {maximum}"


def int_param(
    params: Mapping,
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum]; default if absent."""
    raw = _raw(params, name)
    if raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise BadParameter(f"参数 {name} 应为整数。")
    minimum = _INT64[0] if minimum is None else minimum
    maximum = _INT64[1] if maximum is None else maximum
    return _bounded(name, int(raw), minimum, maximum)


def _bounded(name, value, minimum, maximum):
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise BadParameter(f"参数 {name} 应在 {_range_text(minimum, maximum)}。")
    return value


def id_param(params: Mapping, name: str, *, default: int | None = None) -> int | None:
    """The id of a database row (1 … MAX_ID); default if absent."""
    return int_param(params, name, default=default, minimum=1, maximum=MAX_ID)


def year_param(
    params: Mapping,
    name: str = "year",
    *,
    default: int | None = None,
    minimum: int = 2000,
    maximum: int = 2100,
) -> int | None:
    """A calendar year within [minimum, maximum]; default if absent."""
    return int_param(params, name, default=default, minimum=minimum, maximum=maximum)


def date_param(
    params: Mapping, name: str, *, default: datetime.date | None = None
) -> datetime.date | None:
    """A date written YYYY-MM-DD that exists in the calendar; default if absent."""
    raw = _raw(params, name)
    if raw == "":
        return default
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"参数 {name} 应为日期，例如 2026-01-31。") from None


def choice_param(
    params: Mapping, name: str, choices: Iterable[str], *, default: str = ""
) -> str:
    """One of ``choices`` (exactly); default if absent."""
    raw = _raw(params, name)
    if raw == "":
        return default
    allowed = list(choices)
    if raw not in allowed:
        raise BadParameter(f"参数 {name} 只能是：{'、'.join(allowed)}。")
    return raw


def text_param(
    params: Mapping, name: str, *, max_length: int = 200, default: str = ""
) -> str:
    """Free text, stripped and cut to max_length; NUL characters are refused."""
    return _raw(params, name)[:max_length] or default


# --- JSON ---------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_json(
    text: str | bytes,
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """JSON of at most max_bytes and max_depth levels, with finite numbers only."""
    if len(text) > max_bytes:
        raise BadParameter(f"提交的数据过大（上限 {max_bytes // 1024} KB）。")
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float
        )
    except (ValueError, RecursionError):
        raise BadParameter("提交的数据不是有效的 JSON。") from None
    _check_depth(value, max_depth)
    return value


def _check_depth(value: Any, max_depth: int) -> None:
    level = [value]
    for _depth in range(max_depth + 1):
        nested = []
        for item in level:
            if isinstance(item, dict):
                nested.extend(item.values())
            elif isinstance(item, list):
                nested.extend(item)
        if not nested:
            return
        level = nested
    raise BadParameter(f"提交的数据嵌套过深（上限 {max_depth} 层）。")


def json_body(
    request, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """The request's JSON body (see parse_json); its declared length is checked first."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise BadParameter(f"提交的数据过大（上限 {max_bytes // 1024} KB）。")
    return parse_json(request.body, max_bytes=max_bytes, max_depth=max_depth)


def json_int(
    data: Mapping,
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer member of a JSON object (a whole number, or digits in a string)."""
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        raise BadParameter(f"参数 {name} 应为整数。")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        return int_param(
            {name: value}, name, default=default, minimum=minimum, maximum=maximum
        )
    if not isinstance(value, int):
        raise BadParameter(f"参数 {name} 应为整数。")
    return _bounded(name, value, minimum, maximum)


def json_number(
    data: Mapping,
    name: str,
    *,
    default: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float | None:
    """A finite number member of a JSON object within [minimum, maximum]."""
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadParameter(f"参数 {name} 应为数字。")
    if isinstance(value, int):
        if abs(value) > 2**53:  # beyond what a float holds exactly (or at all)
            raise BadParameter(f"参数 {name} 应在 {_range_text(minimum, maximum)}。")
        value = float(value)
    if not math.isfinite(value):
        raise BadParameter(f"参数 {name} 应为有限的数字。")
    return _bounded(name, value, minimum, maximum)
