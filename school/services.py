"""Use cases of the party school: accepting videos, transcoding them, recording study."""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import progress, stats, transcoding
from .models import (
    CourseCompletion,
    CoursePage,
    LessonPage,
    LessonProgress,
    SchoolIndexPage,
    StudyDay,
    Video,
    video_root,
)
from .transcoding import VideoRejected

logger = logging.getLogger(__name__)

VIDEO_DIR = "school/videos"


# ---- accepting videos -----------------------------------------------------------


def validate_video_file(path: str | os.PathLike, size: int) -> transcoding.ProbeResult:
    """Size first, then ffprobe: raise VideoRejected with a Chinese message."""
    transcoding.check_size(size)
    return transcoding.probe(path)


def validate_upload(upload) -> transcoding.ProbeResult:
    """Validate an uploaded file (temporary or in memory) without storing it."""
    transcoding.check_size(upload.size)
    if hasattr(upload, "temporary_file_path"):
        return transcoding.probe(upload.temporary_file_path())
    with tempfile.NamedTemporaryFile(suffix=".upload") as copy:
        upload.seek(0)
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)
        return transcoding.probe(copy.name)


def create_video(
    *,
    title: str,
    upload,
    uploaded_by=None,
    probe: transcoding.ProbeResult | None = None,
) -> Video:
    """Validate an upload, store it under a safe name and queue its transcode.

    Pass `probe` only when the same file was validated just before.
    """
    title = (title or "").strip()
    if not title:
        raise VideoRejected("请填写视频标题。")
    probe = probe or validate_upload(upload)
    video = Video(title=title[:200], uploaded_by=uploaded_by)
    apply_probe(video, probe, size=upload.size)
    with transaction.atomic():
        video.source.save("upload", upload, save=False)
        video.save()
        queue_transcode(video)
    return video


def apply_probe(video: Video, probe: transcoding.ProbeResult, *, size: int) -> None:
    """Copy what ffprobe found onto an unsaved video (the extension names its source)."""
    video.source_size = size
    video.source_extension = probe.extension
    video.container = probe.demuxer
    video.duration = probe.duration
    video.width, video.height = probe.width, probe.height
    video.video_codec, video.audio_codec = probe.video_codec, probe.audio_codec


def import_video_file(
    path: str | os.PathLike, *, title: str, uploaded_by=None
) -> Video:
    """Create a Video from a file on disk through the same validation as an upload."""
    path = Path(path)
    if not path.is_file():
        raise VideoRejected(f"找不到文件：{path}")
    probe = validate_video_file(path, path.stat().st_size)
    with path.open("rb") as handle:
        return create_video(
            title=title,
            upload=File(handle, name=path.name),
            uploaded_by=uploaded_by,
            probe=probe,
        )


def queue_transcode(video: Video) -> None:
    """Mark the video pending and enqueue its transcode once the transaction commits."""
    from .tasks import transcode_video

    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.PENDING, progress_percent=0, error="", lease=""
    )
    video.status, video.progress_percent, video.error = Video.Status.PENDING, 0, ""
    transaction.on_commit(lambda: transcode_video.enqueue(video.pk))


def retry_video(video: Video) -> bool:
    """Re-queue a failed (or stuck pending) video; ready or running ones are left alone."""
    if video.status not in (Video.Status.FAILED, Video.Status.PENDING):
        return False
    with transaction.atomic():
        queue_transcode(video)
    return True


# ---- transcoding ----------------------------------------------------------------


@dataclass
class _Run:
    video_id: int
    lease: str
    last_percent: int = -1
    last_write: float = 0.0


# Progress is written when the percent changes, and at least this often (seconds), so
# a long transcode never looks stalled to recover_stalled_videos.
PROGRESS_WRITE_SECONDS = 15


def _claim(video_id: int) -> _Run | None:
    """Take the lease on a pending video; None if another run has it or it is done."""
    lease = uuid.uuid4().hex
    claimed = Video.objects.filter(pk=video_id, status=Video.Status.PENDING).update(
        status=Video.Status.PROCESSING,
        lease=lease,
        progress_percent=0,
        heartbeat_at=timezone.now(),
        attempts=F("attempts") + 1,
        error="",
    )
    return _Run(video_id, lease) if claimed else None


def _report(run: _Run, fraction: float) -> None:
    percent = min(99, int(fraction * 100))
    now = time.monotonic()
    if percent == run.last_percent and now - run.last_write < PROGRESS_WRITE_SECONDS:
        return
    run.last_percent, run.last_write = percent, now
    Video.objects.filter(pk=run.video_id, lease=run.lease).update(
        progress_percent=percent, heartbeat_at=timezone.now()
    )


def _temp_dir(video_id: int, lease: str) -> Path:
    return video_root() / VIDEO_DIR / f".tmp-{video_id}-{lease}"


def transcode_video(video_id: int) -> str:
    """Transcode one video exactly once: claim, work in a temp dir, publish atomically."""
    run = _claim(video_id)
    if run is None:
        status = (
            Video.objects.filter(pk=video_id).values_list("status", flat=True).first()
        )
        return f"skipped ({status or 'missing'})"
    video = Video.objects.get(pk=video_id)
    work = _temp_dir(video_id, run.lease)
    final_name = f"{video_id}-{run.lease[:12]}"
    final = video_root() / VIDEO_DIR / final_name
    try:
        source_path = video.source.path
        probe = transcoding.probe(source_path)
        work.mkdir(parents=True, exist_ok=False)
        output = transcoding.transcode(
            source_path, probe, work, on_progress=lambda f: _report(run, f)
        )
        os.replace(work, final)
        published = Video.objects.filter(pk=video_id, lease=run.lease).update(
            status=Video.Status.READY,
            progress_percent=100,
            error="",
            output_dir=f"{VIDEO_DIR}/{final_name}",
            hls_master=output.master,
            mp4_fallback=output.fallback,
            poster=output.poster,
            thumbnails=output.thumbnails,
            renditions=output.renditions,
            duration=probe.duration,
            width=probe.width,
            height=probe.height,
            video_codec=probe.video_codec,
            audio_codec=probe.audio_codec,
            heartbeat_at=timezone.now(),
        )
        if not published:
            # Another run took the lease (this one was presumed dead): its output wins.
            shutil.rmtree(final, ignore_errors=True)
            return "superseded"
    except (VideoRejected, transcoding.FfmpegFailed, OSError) as exc:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        Video.objects.filter(pk=video_id, lease=run.lease).update(
            status=Video.Status.FAILED,
            error=str(exc)[:2000],
            heartbeat_at=timezone.now(),
        )
        logger.warning("Transcoding video %s failed: %s", video_id, exc)
        return "failed"
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _remove_old_outputs(video_id, keep=final_name)
    return "ready"


def _remove_old_outputs(video_id: int, keep: str) -> None:
    base = video_root() / VIDEO_DIR
    for entry in base.glob(f"{video_id}-*"):
        if entry.name != keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def recover_stalled_videos(stall_seconds: int | None = None) -> list[int]:
    """Re-queue transcodes whose worker died, and sweep their leftover temp dirs.

    A run refreshes `heartbeat_at` with its progress; one silent for longer than
    PORTAL_VIDEO_STALL_SECONDS lost its worker. Taking the lease away means that run
    can never publish, even if it turns out to be alive; the new run does the work.
    """
    if stall_seconds is None:
        stall_seconds = settings.PORTAL_VIDEO_STALL_SECONDS
    recovered = []
    for video in Video.objects.stalled(stall_seconds).only("pk", "lease"):
        with transaction.atomic():
            taken = Video.objects.filter(
                pk=video.pk, status=Video.Status.PROCESSING, lease=video.lease
            ).update(status=Video.Status.PENDING, lease="", progress_percent=0)
            if taken:
                recovered.append(video.pk)
                transaction.on_commit(lambda pk=video.pk: _enqueue(pk))
    _sweep_temp_dirs()
    _mark_dead_task_results(recovered)
    return recovered


def _enqueue(video_id: int) -> None:
    from .tasks import transcode_video as task

    task.enqueue(video_id)


def _sweep_temp_dirs() -> None:
    """Delete temp dirs of runs that no longer hold a lease."""
    base = video_root() / VIDEO_DIR
    if not base.exists():
        return
    live = {
        f".tmp-{pk}-{lease}"
        for pk, lease in Video.objects.filter(
            status=Video.Status.PROCESSING
        ).values_list("pk", "lease")
    }
    for entry in base.glob(".tmp-*"):
        if entry.name not in live:
            shutil.rmtree(entry, ignore_errors=True)


def _mark_dead_task_results(video_ids: list[int]) -> None:
    """Close the RUNNING rows the dead worker left in django-tasks-db's table."""
    if not video_ids:
        return
    try:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return
    task_path = "school.tasks.transcode_video"
    for result in DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path=task_path
    ):
        if result.args_kwargs.get("args", [None])[0] in video_ids:
            DBTaskResult.objects.filter(pk=result.pk).update(
                status=TaskResultStatus.FAILED, finished_at=timezone.now()
            )


def delete_video_files(video: Video) -> None:
    """Remove a video's source and outputs (used when the snippet is deleted)."""
    if video.output_dir:
        shutil.rmtree(video_root() / video.output_dir, ignore_errors=True)
    if video.source:
        video.source.delete(save=False)


# ---- study progress -------------------------------------------------------------


@dataclass(frozen=True)
class HeartbeatOutcome:
    """What the player is told after a heartbeat."""

    watched_seconds: float
    duration: float
    last_position: float
    completed: bool
    accruing: bool
    course_completed: bool = False


@dataclass(frozen=True)
class LessonTarget:
    """What a heartbeat needs to know about a lesson (cached per process)."""

    pk: int
    path: str
    duration: float
    ready: bool


_TARGETS: dict[int, tuple[float, LessonTarget | None]] = {}
TARGET_CACHE_SECONDS = 60


def lesson_target(lesson_id: int) -> LessonTarget | None:
    """The live lesson with its video's duration and readiness, cached for a minute."""
    now = time.monotonic()
    cached = _TARGETS.get(lesson_id)
    if cached and cached[0] > now:
        return cached[1]
    row = (
        LessonPage.objects.live()
        .filter(pk=lesson_id)
        .values_list("path", "video__duration", "video__status")
        .first()
    )
    target = None
    if row is not None:
        path, duration, status = row
        target = LessonTarget(
            lesson_id, path, float(duration or 0), status == Video.Status.READY
        )
    if len(_TARGETS) > 10_000:
        _TARGETS.clear()
    _TARGETS[lesson_id] = (now + TARGET_CACHE_SECONDS, target)
    return target


def record_heartbeat(
    member,
    lesson,
    *,
    intervals: list,
    position: float,
    playing: bool,
    now: datetime.datetime | None = None,
) -> HeartbeatOutcome:
    """Merge a heartbeat into the member's progress on the lesson.

    `member` is a Member or its pk; `lesson` a LessonPage or LessonTarget. One read
    (this lesson's row plus any other lesson still accruing) and one conditional
    update: concurrent beats for the same row retry instead of holding locks. Only
    one lesson accrues time per member: while another lesson's window is open the
    heartbeat keeps the position but earns nothing. Progress, study time and a
    completion commit together (one commit per heartbeat).
    """
    now = now or timezone.now()
    member_id = getattr(member, "pk", member)
    duration = float(lesson.duration or 0)
    window = datetime.timedelta(seconds=settings.PORTAL_SCHOOL_HEARTBEAT_SECONDS * 2.5)
    fields = (
        "pk",
        "lesson_id",
        "intervals",
        "completed_at",
        "last_beat_at",
        "course_id",
    )
    with transaction.atomic():
        for _attempt in range(5):
            rows = list(
                LessonProgress.objects.filter(member_id=member_id)
                .filter(Q(lesson_id=lesson.pk) | Q(accruing_until__gt=now))
                .values(*fields)
            )
            row = next((r for r in rows if r["lesson_id"] == lesson.pk), None)
            if row is None:
                _create_progress(member_id, lesson, now)
                continue
            busy_elsewhere = any(r["lesson_id"] != lesson.pk for r in rows)
            last = row["last_beat_at"]
            result = progress.apply_heartbeat(
                row["intervals"],
                intervals,
                duration=duration,
                elapsed=(now - last).total_seconds() if last else None,
                position=position,
                accrues=not busy_elsewhere and duration > 0,
                max_rate=settings.PORTAL_SCHOOL_MAX_PLAYBACK_RATE,
                ratio=settings.PORTAL_SCHOOL_COMPLETION_RATIO,
            )
            newly_completed = result.completed and row["completed_at"] is None
            updates = {
                "last_position": result.position,
                "last_beat_at": now,
                "accruing_until": now + window
                if playing and not busy_elsewhere
                else now,
            }
            if result.gained_seconds > 0:
                updates["intervals"] = [list(pair) for pair in result.intervals]
                updates["watched_seconds"] = result.unique_seconds
            if newly_completed:
                updates["completed_at"] = now
            unchanged = LessonProgress.objects.filter(pk=row["pk"], last_beat_at=last)
            if last is None:
                unchanged = LessonProgress.objects.filter(
                    pk=row["pk"], last_beat_at__isnull=True
                )
            if unchanged.update(**updates):
                break
        else:
            raise RuntimeError(f"progress row of member {member_id} kept changing")
        if result.gained_seconds > 0:
            _add_study_time(member_id, timezone.localdate(now), result.gained_seconds)
        course_completed = False
        if newly_completed:
            course_completed = _complete_course_if_done(
                member_id, row["course_id"], now
            )
    return HeartbeatOutcome(
        watched_seconds=result.unique_seconds,
        duration=duration,
        last_position=result.position,
        completed=result.completed or row["completed_at"] is not None,
        accruing=not busy_elsewhere,
        course_completed=course_completed,
    )


def _create_progress(member_id: int, lesson, now) -> None:
    steplen = LessonPage.steplen
    course_id = (
        CoursePage.objects.filter(path=lesson.path[:-steplen])
        .values_list("pk", flat=True)
        .first()
    )
    LessonProgress.objects.get_or_create(
        member_id=member_id,
        lesson_id=lesson.pk,
        defaults={"course_id": course_id, "started_at": now},
    )


def _add_study_time(member_id: int, day: datetime.date, seconds: float) -> None:
    """Add seconds to the member's day; the first study of a day also counts the day
    in the yearly summary (call inside the heartbeat's transaction)."""
    seconds = round(seconds, 2)
    if seconds <= 0:
        return
    table = connection.ops.quote_name(StudyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, day, seconds) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (member_id, day) DO UPDATE SET seconds = "
            f"{table}.seconds + excluded.seconds RETURNING seconds",
            [member_id, day, seconds],
        )
        # Every stored day holds more than 0 s, so only a new row returns exactly
        # what was inserted.
        if cursor.fetchone()[0] == seconds:
            stats.count_study_day(member_id, day.year)


def _complete_course_if_done(member_id: int, course_id: int | None, now) -> bool:
    """Record the course completion (and its 学时) once every live lesson is complete."""
    if course_id is None:
        return False
    course = CoursePage.objects.get(pk=course_id).specific
    lesson_ids = [lesson.pk for lesson in course.lessons]
    done = LessonProgress.objects.filter(
        member_id=member_id, lesson_id__in=lesson_ids, completed_at__isnull=False
    ).count()
    if not lesson_ids or done < len(lesson_ids):
        return False
    year = timezone.localdate(now).year
    with transaction.atomic():
        completion, created = CourseCompletion.objects.get_or_create(
            member_id=member_id,
            course=course,
            defaults={
                "completed_at": now,
                "year": year,
                "credit_hours": course.effective_credit_hours,
            },
        )
        if created:
            stats.count_completion(member_id, course.pk, year, completion.credit_hours)
    return created


def _school_index() -> SchoolIndexPage:
    index = SchoolIndexPage.objects.first()
    if index:
        return index
    from wagtail.models import Page

    from home.models import HomePage

    home = HomePage.objects.first() or Page.objects.get(depth=1)
    index = SchoolIndexPage(
        title="网上党校",
        slug="school",
        show_in_menus=True,
        intro="<p>集团党委主办的网上党校。观看课程视频即可累计学时，"
        "系统只计算实际观看的时长。</p>",
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def _grant_page_permissions(index: SchoolIndexPage) -> None:
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    group = Group.objects.filter(name="党校管理员").first()
    if group is None:
        return
    for permission in ("add_page", "change_page", "publish_page", "delete_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=index,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=permission
            ),
        )


COLLECTION_NAME = "网上党校"
# Course covers (images) and lesson courseware (documents): the 党校管理员 uploads,
# edits and chooses them in the 网上党校 collection only.
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def _school_collection():
    from wagtail.models import Collection

    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=COLLECTION_NAME).first()
    return existing or root.add_child(name=COLLECTION_NAME)


def _grant_collection_permissions() -> None:
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupCollectionPermission

    group = Group.objects.filter(name="党校管理员").first()
    if group is None:
        return
    collection = _school_collection()
    for app_label, codename in COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            ),
        )


def install_school_section() -> SchoolIndexPage:
    """The 网上党校 page, the 党校管理员's page permissions on it and their image and
    document permissions in the 网上党校 collection (setup_site)."""
    index = _school_index()
    _grant_page_permissions(index)
    _grant_collection_permissions()
    return index
