"""Infrastructure reactions: remove a deleted video's files once the deletion commits;
keep the yearly study summary in step with members and courses; drop a user's cached
heartbeat authorisation when the user changes."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete

from members.models import Member

from .models import CourseCompletion, CoursePage, Video


def delete_files_of_deleted_video(sender, instance: Video, **kwargs) -> None:
    """Remove the source and transcoded output after the row is gone."""
    from .services import delete_video_files

    transaction.on_commit(lambda: delete_video_files(instance))


def member_saved(sender, instance: Member, created: bool, **kwargs) -> None:
    """A member who moved 党组织 or became a secretary takes their numbers along."""
    if created or kwargs.get("raw"):
        return
    from .stats import follow_member

    follow_member(instance)


def course_deleting(sender, instance: CoursePage, **kwargs) -> None:
    """Its completions go with it (cascade): the years they counted in are rebuilt."""
    years = sorted(
        CourseCompletion.objects.filter(course_id=instance.pk)
        .values_list("year", flat=True)
        .distinct()
    )
    if years:
        from .tasks import rebuild_study_years

        transaction.on_commit(lambda: rebuild_study_years.enqueue(years))


def user_saved(sender, instance, **kwargs) -> None:
    """A changed password or active flag must reach the Redis heartbeat path at once."""
    from . import heartbeat_buffer

    if heartbeat_buffer.enabled() and not kwargs.get("raw"):
        user_id = instance.pk
        transaction.on_commit(lambda: heartbeat_buffer.forget_auth_quietly(user_id))


def register_signal_handlers() -> None:
    post_delete.connect(
        delete_files_of_deleted_video, sender=Video, dispatch_uid="school_video_files"
    )
    post_save.connect(member_saved, sender=Member, dispatch_uid="school_member_moved")
    pre_delete.connect(
        course_deleting, sender=CoursePage, dispatch_uid="school_course_deleted"
    )
    post_save.connect(
        user_saved, sender=get_user_model(), dispatch_uid="school_user_saved"
    )
    post_delete.connect(
        user_saved, sender=get_user_model(), dispatch_uid="school_user_deleted"
    )
