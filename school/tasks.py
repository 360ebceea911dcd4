"""Background jobs of the party school."""

from django_tasks import task

from . import services, stats


@task(queue_name="video")
def transcode_video(video_id: int) -> str:
    """Transcode a video into HLS + MP4; safe to run twice (the second run skips)."""
    return services.transcode_video(video_id)


@task()
def rebuild_study_years(years: list[int] | None = None) -> dict[int, int]:
    """Recompute the yearly study summary from the records (see school.stats)."""
    return stats.rebuild_study_years(years)


@task()
def fold_study_heartbeats() -> int:
    """Fold the heartbeats buffered in Redis into the database; safe to run twice."""
    from .heartbeat_buffer import enabled, fold_heartbeats

    return fold_heartbeats() if enabled() else 0


@task()
def announce_course_assignment(assignment_id: int) -> int:
    """Notify the members an assignment reaches; safe to run twice (deduplicated)."""
    from .notices import announce_assignment

    return announce_assignment(assignment_id)
