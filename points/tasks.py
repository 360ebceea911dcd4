"""Background jobs of 学习积分."""

from django_tasks import task

from . import ledger


@task()
def recompute_member_points(member_id: int) -> int:
    """Rebuild one member's ledger from the facts; safe to run twice."""
    from members.models import Member

    if not Member.objects.filter(pk=member_id).exists():
        return 0
    return ledger.recompute(member_id)


@task()
def recompute_all_points() -> list[int]:
    """Rebuild every ledger (after a rule changed)."""
    return list(ledger.recompute_all())
