"""The 民主评议 section of /me/: rounds the member takes part in that are not over,
with how many members they have rated."""

from collections import Counter

from .models import Participant, Rating, Round, Status


def rounds_context(request) -> dict | None:
    """Open rounds with the member's progress, and closed ones with their outcome;
    hidden for accounts without a member profile and members in no round."""
    user = request.user
    member = user.member if user.is_authenticated and hasattr(user, "member") else None
    if member is None:
        return None
    ids = Participant.objects.filter(member=member).values("round_id")
    rounds = list(
        Round.objects.filter(pk__in=ids)
        .exclude(status=Status.DRAFT)
        .select_related("organization")[:5]
    )
    if not rounds:
        return None
    sizes = Counter(
        Participant.objects.filter(round__in=rounds).values_list("round_id", flat=True)
    )
    rated = Counter(
        Rating.objects.filter(round__in=rounds, rater=member).values_list(
            "round_id", flat=True
        )
    )
    items = [
        {
            "round": r,
            "done": rated[r.pk],
            "total": max(sizes[r.pk] - 1, 0),
            "phase": r.phase_label(),
        }
        for r in rounds
    ]
    return {"items": items}
