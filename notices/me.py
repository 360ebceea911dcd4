"""The notices' section of /me/: feedback sent while signed in."""

from .models import NoticeFeedback

SHOWN = 10


def feedback_context(request) -> dict | None:
    """The account's own feedback on notices, newest first; hidden when there is none."""
    items = NoticeFeedback.objects.filter(writer=request.user).select_related("notice")
    total = items.count()
    if not total:
        return None
    return {"items": list(items[:SHOWN]), "total": total}


def register_sections() -> None:
    from members.personal import register_section

    register_section(
        "notice_feedback",
        "我的公示反馈",
        template="notices/me/feedback.html",
        context=feedback_context,
        order=45,
    )
