"""Letter statistics for leaders: counts, reply and on-time rates, satisfaction."""

from collections import defaultdict
from datetime import date

from django.utils import timezone

from .models import LetterStatus, LetterType, Satisfaction


def _summary(rows: list[dict]) -> dict:
    total = len(rows)
    answerable = [r for r in rows if r["status"] != LetterStatus.REJECTED]
    replied = [r for r in rows if r["first_replied_at"]]
    on_time = [
        r for r in replied if timezone.localdate(r["first_replied_at"]) <= r["due_date"]
    ]
    days = [
        (r["first_replied_at"] - r["submitted_at"]).total_seconds() / 86400
        for r in replied
    ]
    rated = [r for r in rows if r["satisfaction"]]
    satisfaction = {
        label: sum(1 for r in rated if r["satisfaction"] == value)
        for value, label in Satisfaction.choices
    }
    satisfied = satisfaction["满意"] + satisfaction["基本满意"]
    return {
        "total": total,
        "rejected": total - len(answerable),
        "replied": len(replied),
        "reply_rate": _rate(len(replied), len(answerable)),
        "on_time_rate": _rate(len(on_time), len(replied)),
        "average_days": round(sum(days) / len(days), 1) if days else None,
        "rated": len(rated),
        "satisfaction": satisfaction,
        "satisfied_rate": _rate(satisfied, len(rated)),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def letter_statistics(letters, *, today: date | None = None) -> dict:
    """Overall, per-mailbox, per-type and per-month figures for a Letter queryset."""
    rows = list(
        letters.values(
            "mailbox__name",
            "letter_type",
            "status",
            "submitted_at",
            "due_date",
            "first_replied_at",
            "satisfaction",
        )
    )
    by_mailbox, by_type, by_month = (
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    type_labels = dict(LetterType.choices)
    for row in rows:
        by_mailbox[row["mailbox__name"]].append(row)
        by_type[type_labels.get(row["letter_type"], row["letter_type"])].append(row)
        by_month[f"{timezone.localtime(row['submitted_at']):%Y-%m}"].append(row)
    overall = _summary(rows)
    peak = max((len(v) for v in by_month.values()), default=0)
    return {
        "overall": overall,
        "by_mailbox": [(k, _summary(v)) for k, v in sorted(by_mailbox.items())],
        "by_type": [
            (label, _summary(by_type[label]))
            for label in type_labels.values()
            if label in by_type
        ],
        "by_month": [
            (k, _summary(v), round(100 * len(v) / peak) if peak else 0)
            for k, v in sorted(by_month.items())
        ],
    }


# The columns of statistics_table (and of the 信箱统计 export).
STATISTICS_HEADER = [
    "分组",
    "名称",
    "来信数",
    "不予受理",
    "已答复",
    "答复率%",
    "按期答复率%",
    "平均答复天数",
    "已评价",
    "满意",
    "基本满意",
    "不满意",
    "满意率%",
]


def statistics_table(stats: dict) -> list[list]:
    """The figures as rows for CSV/XLSX export, STATISTICS_HEADER first."""
    table = [list(STATISTICS_HEADER)]

    def line(group, name, s):
        sat = s["satisfaction"]
        table.append(
            [
                group,
                name,
                s["total"],
                s["rejected"],
                s["replied"],
                s["reply_rate"],
                s["on_time_rate"],
                s["average_days"],
                s["rated"],
                sat["满意"],
                sat["基本满意"],
                sat["不满意"],
                s["satisfied_rate"],
            ]
        )

    line("合计", "全部", stats["overall"])
    for name, s in stats["by_mailbox"]:
        line("信箱", name, s)
    for name, s in stats["by_type"]:
        line("类型", name, s)
    for name, s, _width in stats["by_month"]:
        line("月份", name, s)
    return table
