"""The exams' sections of /me/."""

from school.page_context import member_of

from .models import Certificate


def certificates_context(request) -> dict | None:
    """The member's certificates, newest first; hidden for accounts without a member
    profile and for members without a certificate."""
    member = member_of(request)
    if member is None:
        return None
    items = list(Certificate.objects.filter(member=member))
    if not items:
        return None
    return {"items": items}


def contests_context(request) -> dict | None:
    """Contests open to the member that are running or coming; hidden when none."""
    from django.utils import timezone

    from .contests import contests_for_member

    member = member_of(request)
    now = timezone.now()
    items = [
        exam
        for exam in contests_for_member(member, now=now)
        if exam.contest_phase(now) != "closed"
    ]
    if not items:
        return None
    return {"items": items, "now": now}


def daily_context(request) -> dict | None:
    """Today's 每日答题 and the streak, for every member (hidden for other accounts)."""
    from .daily import summary

    member = member_of(request)
    if member is None:
        return None
    return {"summary": summary(member)}
