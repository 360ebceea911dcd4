"""学习积分 on /me/ and the member's own page."""

from school.page_context import member_of

from . import ledger, stats


def refresh(member) -> None:
    """Bring the member's ledger up to the facts (study time and lessons have no
    signal; recomputing one member is a handful of queries)."""
    ledger.recompute(member)


def section_context(request) -> dict | None:
    member = member_of(request)
    if member is None:
        return None
    refresh(member)
    return {"summary": stats.member_summary(member)}
