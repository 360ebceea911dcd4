"""The mailbox's sections of /me/: letters written while signed in, board posts."""

from .models import BoardMessage, Letter

SHOWN = 10


def letters_context(request) -> dict:
    """The account's own letters, newest first, with their status."""
    letters = Letter.objects.filter(writer=request.user).select_related("mailbox")
    return {"letters": list(letters[:SHOWN]), "total": letters.count()}


def board_context(request) -> dict:
    """The account's own board posts in every state."""
    posts = BoardMessage.objects.filter(author=request.user).select_related("category")
    return {"posts": list(posts[:SHOWN]), "total": posts.count()}


def register_sections() -> None:
    from members.personal import register_section

    register_section(
        "letters",
        "我的来信",
        template="mailbox/me/letters.html",
        context=letters_context,
        order=40,
    )
    register_section(
        "board",
        "我的留言",
        template="mailbox/me/board.html",
        context=board_context,
        order=50,
    )
