"""The official holiday calendars shipped with the site (staff edit them in the admin).

2026: 国务院办公厅关于2026年部分节假日安排的通知. 2027: the statutory holidays
only, marked provisional until the State Council publishes the 调休 arrangement.
"""

from datetime import date, timedelta


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# (name, holidays, adjusted working days, provisional)
CALENDARS: dict[int, list[tuple[str, list[date], list[date], bool]]] = {
    2026: [
        ("元旦", _span(date(2026, 1, 1), date(2026, 1, 3)), [date(2026, 1, 4)], False),
        (
            "春节",
            _span(date(2026, 2, 15), date(2026, 2, 23)),
            [date(2026, 2, 14), date(2026, 2, 28)],
            False,
        ),
        ("清明节", _span(date(2026, 4, 4), date(2026, 4, 6)), [], False),
        (
            "劳动节",
            _span(date(2026, 5, 1), date(2026, 5, 5)),
            [date(2026, 5, 9)],
            False,
        ),
        ("端午节", _span(date(2026, 6, 19), date(2026, 6, 21)), [], False),
        ("中秋节", _span(date(2026, 9, 25), date(2026, 9, 27)), [], False),
        (
            "国庆节",
            _span(date(2026, 10, 1), date(2026, 10, 7)),
            [date(2026, 9, 20), date(2026, 10, 10)],
            False,
        ),
    ],
    2027: [
        ("元旦", [date(2027, 1, 1)], [], True),
        ("春节", _span(date(2027, 2, 5), date(2027, 2, 8)), [], True),
        ("清明节", [date(2027, 4, 5)], [], True),
        ("劳动节", _span(date(2027, 5, 1), date(2027, 5, 2)), [], True),
        ("端午节", [date(2027, 6, 9)], [], True),
        ("中秋节", [date(2027, 9, 15)], [], True),
        ("国庆节", _span(date(2027, 10, 1), date(2027, 10, 3)), [], True),
    ],
}


def calendar_rows() -> list[tuple[date, bool, str, bool]]:
    """Every shipped day as (date, is_working_day, name, provisional)."""
    rows = []
    for entries in CALENDARS.values():
        for name, holidays, workdays, provisional in entries:
            rows += [(d, False, name, provisional) for d in holidays]
            rows += [(d, True, f"{name}调休上班", provisional) for d in workdays]
    return rows
