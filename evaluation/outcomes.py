"""What other apps may ask of 民主评议: the confirmed outcomes of closed rounds.

    from evaluation.outcomes import confirmed_outcomes, GRADE_RANK

    grades = confirmed_outcomes(2026, member_ids=[...])  # {member_id: "excellent"}

Only rounds the branch committee has closed count: an outcome still being confirmed
is never returned. Grades are the keys of evaluation.models.Grade; GRADE_RANK maps
them to 0 (优秀) … 3 (不合格) for sorting.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import GRADE_ORDER, Grade, Outcome, Status

GRADE_RANK = {grade: rank for rank, grade in enumerate(GRADE_ORDER)}
GRADE_LABELS = {g.value: g.label for g in Grade}


def confirmed_outcomes(
    year: int, *, member_ids: Iterable[int] | None = None
) -> dict[int, str]:
    """{member id: grade} of the closed rounds of that year."""
    rows = Outcome.objects.filter(round__year=year, round__status=Status.CLOSED)
    if member_ids is not None:
        rows = rows.filter(member_id__in=list(member_ids))
    return dict(rows.values_list("member_id", "grade"))


def confirmed_outcome(member, year: int) -> str | None:
    """The member's grade of that year once final, else None."""
    pk = getattr(member, "pk", member)
    return confirmed_outcomes(year, member_ids=[pk]).get(pk)
