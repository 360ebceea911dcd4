"""The 党员评定 section of /me/: the member's own ratings of closed 网上考核 plans."""

from __future__ import annotations

from .models import MemberResult


def ratings_context(request) -> dict | None:
    """The last five ratings kept at a plan's close; hidden for accounts without a
    member profile and members never rated."""
    user = request.user
    member = user.member if user.is_authenticated and hasattr(user, "member") else None
    if member is None:
        return None
    results = list(
        MemberResult.objects.filter(member=member)
        .select_related("plan__organization")
        .order_by("-plan__period_end", "-pk")[:5]
    )
    return {"results": results} if results else None
