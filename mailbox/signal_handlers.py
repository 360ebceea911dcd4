"""Infrastructure reactions: keep the search index in step with public content."""

from django.db import transaction


def schedule_reindex(obj) -> None:
    """Ask the search app to re-check this object (it drops what is not public)."""
    from search import indexing

    transaction.on_commit(lambda: indexing.schedule_update(obj))


def board_message_changed(pk: int) -> None:
    from .models import BoardMessage

    message = BoardMessage.objects.filter(pk=pk).first()
    if message is not None:
        schedule_reindex(message)


def letter_publication_changed(pk: int) -> None:
    from .models import Letter

    letter = Letter.objects.filter(pk=pk).first()
    if letter is not None:
        schedule_reindex(letter)


def register_signal_handlers() -> None:
    """Nothing listens to model signals: services call the functions above."""
