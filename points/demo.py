"""Demo 学习积分: the ledgers computed from the demo's study records, exams, contests
and 每日答题 (the facts the other demo loaders made), as the site would."""

from . import ledger


def load() -> str:
    ledger.ensure_rules()
    members, changed = ledger.recompute_all()
    return f"学习积分：{members} 名党员，{changed} 条积分记录有变动"
