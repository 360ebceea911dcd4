"""Infrastructure reactions: remove a deleted video's files once the deletion commits."""

from django.db import transaction
from django.db.models.signals import post_delete

from .models import Video


def delete_files_of_deleted_video(sender, instance: Video, **kwargs) -> None:
    """Remove the source and transcoded output after the row is gone."""
    from .services import delete_video_files

    transaction.on_commit(lambda: delete_video_files(instance))


def register_signal_handlers() -> None:
    post_delete.connect(
        delete_files_of_deleted_video, sender=Video, dispatch_uid="school_video_files"
    )
