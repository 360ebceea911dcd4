"""Use cases of the party school: accepting videos, transcoding them, recording study."""

from __future__ import annotations

import dataclasses
import datetime
import json
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
from django.db.models import F
from django.utils import timezone
from wagtail import hooks

from . import progress, stats, transcoding
from .models import (
    CourseCompletion,
    CoursePage,
    LessonPage,
    LessonProgress,
    SchoolIndexPage,
    StudyClock,
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
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

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
    """What the player is told after a heartbeat.

    `deferred`: the heartbeat came too soon after the member's previous credited one;
    it earned nothing and the player sends its intervals again with the next one.
    `watched_seconds` is None when the Redis path does not know it yet (no fold and
    no lesson page since the member's last heartbeats).
    """

    watched_seconds: float | None
    duration: float
    last_position: float
    completed: bool
    accruing: bool
    course_completed: bool = False
    deferred: bool = False


@dataclass(frozen=True)
class LessonTarget:
    """What a heartbeat needs to know about a lesson (cached per process).

    `restricted`: the lesson or a page above it has a view restriction other than
    "logged-in users", so each heartbeat checks it against the request.
    """

    pk: int
    path: str
    duration: float
    ready: bool
    course_id: int | None = None
    restricted: bool = False


_TARGETS: dict[int, tuple[float, LessonTarget | None]] = {}
TARGET_CACHE_SECONDS = 60


def lesson_target(lesson_id: int) -> LessonTarget | None:
    """The live lesson with its video's duration and readiness, cached for a minute."""
    now = time.monotonic()
    cached = _TARGETS.get(lesson_id)
    if cached and cached[0] > now:
        return cached[1]
    page = (
        LessonPage.objects.live()
        .filter(pk=lesson_id)
        .select_related("video")
        .only("path", "depth", "video__duration", "video__status")
        .first()
    )
    target = None
    if page is not None:
        target = LessonTarget(
            page.pk,
            page.path,
            float((page.video.duration if page.video else 0) or 0),
            bool(page.video and page.video.status == Video.Status.READY),
            _course_id(page.path),
            any(
                restriction.restriction_type != restriction.LOGIN
                for restriction in page.get_view_restrictions()
            ),
        )
    if len(_TARGETS) > 10_000:
        _TARGETS.clear()
    _TARGETS[lesson_id] = (now + TARGET_CACHE_SECONDS, target)
    return target


def _course_id(lesson_path: str) -> int | None:
    return (
        CoursePage.objects.filter(path=lesson_path[: -LessonPage.steplen])
        .values_list("pk", flat=True)
        .first()
    )


def _target_of(lesson) -> LessonTarget:
    if isinstance(lesson, LessonTarget):
        return lesson
    return LessonTarget(
        lesson.pk,
        lesson.path,
        float(lesson.duration or 0),
        bool(lesson.video and lesson.video.is_ready),
        _course_id(lesson.path),
    )


def clock_rules() -> progress.ClockRules:
    """The admission rules of heartbeats, from the settings."""
    return progress.ClockRules(
        max_rate=float(settings.PORTAL_SCHOOL_MAX_PLAYBACK_RATE),
        min_interval=float(settings.PORTAL_SCHOOL_MIN_HEARTBEAT_SECONDS),
        max_gap=progress.MAX_HEARTBEAT_GAP,
        first_wall=progress.FIRST_HEARTBEAT_WALL_SECONDS,
        accruing_window=settings.PORTAL_SCHOOL_HEARTBEAT_SECONDS * 2.5,
    )


@dataclass(frozen=True)
class Beat:
    """An admitted heartbeat: up to `budget` seconds of new video from `intervals`."""

    member_id: int
    lesson: LessonTarget
    intervals: list
    position: float
    budget: float
    at: datetime.datetime


def record_heartbeat(
    member,
    lesson,
    *,
    intervals: list,
    position: float,
    playing: bool,
    now: datetime.datetime | None = None,
) -> HeartbeatOutcome:
    """Admit a heartbeat against the member's clock and merge it into their progress.

    The database path (no Redis buffer). `member` is a Member or its pk; `lesson` a
    LessonPage or LessonTarget. The member's StudyClock row is locked first (row lock
    on PostgreSQL; SQLite's transactions take the write lock at BEGIN), and the
    server time is read only once the lock is held, so parallel heartbeats of one
    member queue up and each can claim only the time since the one before it.
    Clock, progress, study time and a completion commit together.
    """
    member_id = getattr(member, "pk", member)
    target = _target_of(lesson)
    claims = bool(progress.clean_intervals(intervals, target.duration))
    with transaction.atomic():
        clock = _lock_clock(member_id)
        at = now or timezone.now()
        before = progress.Clock(
            _seconds(clock.last_credit_at),
            clock.accruing_lesson_id,
            _seconds(clock.accruing_until),
        )
        admission = progress.admit_heartbeat(
            before,
            lesson=target.pk,
            now=at.timestamp(),
            claims=claims and target.duration > 0,
            playing=playing,
            rules=clock_rules(),
        )
        after = admission.clock
        if after != before:
            StudyClock.objects.filter(pk=member_id).update(
                last_credit_at=_datetime(after.last_credit),
                accruing_lesson_id=after.lesson,
                accruing_until=_datetime(after.until),
            )
        beat = Beat(
            member_id,
            target,
            intervals if admission.accrues else [],
            position,
            admission.budget,
            at,
        )
        outcome = write_beats([beat])[(member_id, target.pk)]
    return dataclasses.replace(
        outcome, accruing=admission.accrues, deferred=admission.deferred
    )


def _seconds(moment: datetime.datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _datetime(seconds: float | None) -> datetime.datetime | None:
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def _lock_clock(member_id: int) -> StudyClock:
    clock = StudyClock.objects.select_for_update().filter(pk=member_id).first()
    if clock is None:
        StudyClock.objects.bulk_create(
            [StudyClock(member_id=member_id)], ignore_conflicts=True
        )
        clock = StudyClock.objects.select_for_update().get(pk=member_id)
    return clock


PROGRESS_FIELDS = ("intervals", "watched_seconds", "last_position", "last_beat_at")


def write_beats(beats: list[Beat]) -> dict[tuple[int, int], HeartbeatOutcome]:
    """Merge admitted heartbeats into the members' progress, in the order given.

    Used by both paths (one beat from `record_heartbeat`, a batch from the Redis
    fold); call inside a transaction. Each beat adds at most its budget of video
    not watched before; the progress rows are locked while they are merged; the
    day's study time, lesson completions and course completions (with 学时 and the
    yearly summary) are written with them. Returns the state of each member and
    lesson after the last of its beats.
    """
    if not beats:
        return {}
    rows = _locked_progress({(b.member_id, b.lesson.pk): b for b in beats})
    changed: dict[int, dict] = {}
    day_seconds: dict[tuple[int, datetime.date], float] = {}
    completed: list[tuple[int, int | None, datetime.datetime, tuple[int, int]]] = []
    ratio = settings.PORTAL_SCHOOL_COMPLETION_RATIO
    for beat in beats:
        key = (beat.member_id, beat.lesson.pk)
        row = rows[key]
        result = progress.apply_heartbeat(
            row["intervals"],
            beat.intervals,
            duration=beat.lesson.duration,
            budget=beat.budget,
            position=beat.position,
            ratio=ratio,
        )
        row["last_position"] = result.position
        row["last_beat_at"] = beat.at
        if result.gained_seconds > 0:
            row["intervals"] = [list(pair) for pair in result.intervals]
            row["watched_seconds"] = result.unique_seconds
            day = (beat.member_id, timezone.localdate(beat.at))
            day_seconds[day] = day_seconds.get(day, 0.0) + result.gained_seconds
        if result.completed and row["completed_at"] is None:
            row["completed_at"] = beat.at
            row["completed_now"] = True
            completed.append((beat.member_id, row["course_id"], beat.at, key))
        row["duration"] = beat.lesson.duration
        changed[row["pk"]] = row
    _save_progress(changed.values())
    _add_study_times(day_seconds)
    course_done = set()
    for member_id, course_id, at, key in completed:
        if complete_course_if_done(member_id, course_id, at):
            course_done.add(key)
    return {
        key: HeartbeatOutcome(
            watched_seconds=row["watched_seconds"],
            duration=row.get("duration", 0.0),
            last_position=row["last_position"],
            completed=row["completed_at"] is not None,
            accruing=True,
            course_completed=key in course_done,
        )
        for key, row in rows.items()
    }


PAIRS_PER_QUERY = 500


def _locked_progress(beats: dict[tuple[int, int], Beat]) -> dict[tuple[int, int], dict]:
    """The progress rows of these members and lessons, created if missing, locked."""
    rows: dict[tuple[int, int], dict] = {}

    def fetch(pairs):
        for start in range(0, len(pairs), PAIRS_PER_QUERY):
            for row in _progress_rows(pairs[start : start + PAIRS_PER_QUERY]):
                rows[(row["member_id"], row["lesson_id"])] = row

    fetch(sorted(beats))
    missing = sorted(set(beats) - set(rows))
    if missing:
        LessonProgress.objects.bulk_create(
            [
                LessonProgress(
                    member_id=member_id,
                    lesson_id=lesson_id,
                    course_id=beats[(member_id, lesson_id)].lesson.course_id,
                    started_at=beats[(member_id, lesson_id)].at,
                )
                for member_id, lesson_id in missing
            ],
            ignore_conflicts=True,
        )
        fetch(missing)
    return rows


def _progress_rows(pairs: list[tuple[int, int]]) -> list[dict]:
    """Rows of these (member, lesson) pairs, locked for update where the database can."""
    fields = ("member_id", "lesson_id", "course_id", "completed_at", *PROGRESS_FIELDS)
    if len(pairs) == 1:
        (member_id, lesson_id), *_ = pairs
        return list(
            LessonProgress.objects.select_for_update()
            .filter(member_id=member_id, lesson_id=lesson_id)
            .values("pk", *fields)
        )
    # One statement for a batch: (member, lesson) IN (VALUES ...), which PostgreSQL and
    # SQLite both read; the ORM would build one OR branch per pair.
    table = connection.ops.quote_name(LessonProgress._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    values = ", ".join(["(%s, %s)"] * len(pairs))
    found = LessonProgress.objects.raw(
        f"SELECT * FROM {table} WHERE (member_id, lesson_id) IN (VALUES {values}) "  # noqa: S608
        f"ORDER BY id{lock}",
        [value for pair in pairs for value in pair],
    )
    return [
        {"pk": row.pk, **{name: getattr(row, name) for name in fields}} for row in found
    ]


def _save_progress(rows) -> None:
    rows = list(rows)
    if len(rows) == 1:
        row = rows[0]
        updates = {name: row[name] for name in PROGRESS_FIELDS}
        if row.get("completed_now"):
            updates["completed_at"] = row["completed_at"]
        LessonProgress.objects.filter(pk=row["pk"]).update(**updates)
        return
    ops = connection.ops
    table = ops.quote_name(LessonProgress._meta.db_table)
    params = [
        (
            row["pk"],
            json.dumps(row["intervals"], separators=(",", ":")),
            row["watched_seconds"],
            row["last_position"],
            ops.adapt_datetimefield_value(row["last_beat_at"]),
            ops.adapt_datetimefield_value(row["completed_at"]),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"UPDATE {table} SET intervals = %s, watched_seconds = %s, "  # noqa: S608
                "last_position = %s, last_beat_at = %s, completed_at = %s WHERE id = %s",
                [(*values[1:], values[0]) for values in params],
            )
            return
        for start in range(0, len(params), PAIRS_PER_QUERY):
            chunk = params[start : start + PAIRS_PER_QUERY]
            values = ", ".join(
                ["(%s::bigint, %s::jsonb, %s::float8, %s::float8, %s::timestamptz, "
                 "%s::timestamptz)"] * len(chunk)
            )  # fmt: skip
            cursor.execute(
                f"UPDATE {table} AS p SET intervals = v.intervals, "  # noqa: S608
                "watched_seconds = v.watched, last_position = v.position, "
                "last_beat_at = v.beat_at, completed_at = v.completed_at "
                f"FROM (VALUES {values}) AS v(id, intervals, watched, position, "
                "beat_at, completed_at) WHERE p.id = v.id",
                [value for row in chunk for value in row],
            )


DAYS_PER_QUERY = 300


def _add_study_times(day_seconds: dict[tuple[int, datetime.date], float]) -> None:
    """Add seconds to members' days; a member's first study of a day also counts the
    day in the yearly summary (call inside the heartbeat's transaction)."""
    items = [
        (member_id, day, round(seconds, 2))
        for (member_id, day), seconds in sorted(day_seconds.items())
        if round(seconds, 2) > 0
    ]
    table = connection.ops.quote_name(StudyDay._meta.db_table)
    for start in range(0, len(items), DAYS_PER_QUERY):
        chunk = items[start : start + DAYS_PER_QUERY]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (member_id, day, seconds) VALUES {values} "  # noqa: S608
                "ON CONFLICT (member_id, day) DO UPDATE SET seconds = "
                f"{table}.seconds + excluded.seconds RETURNING member_id, day, seconds",
                [value for item in chunk for value in item],
            )
            returned = cursor.fetchall()
        added = {(member_id, str(day)): seconds for member_id, day, seconds in chunk}
        for member_id, day, seconds in returned:
            # Every stored day holds more than 0 s, so only a new row returns
            # exactly what was inserted.
            if added.get((member_id, str(day))) == seconds:
                stats.count_study_day(member_id, int(str(day)[:4]))


def complete_course_if_done(member_id: int, course_id: int | None, now) -> bool:
    """Record the course completion (and its 学时) once every live lesson is complete
    and every requirement other apps register is met (the hook
    ``school_completion_requirements``: functions of (member_id, course) returning
    whether the member met theirs, e.g. passed the course's 结业考试). Apps whose
    requirement becomes met later call this again; it records a completion once."""
    if course_id is None:
        return False
    course = CoursePage.objects.get(pk=course_id).specific
    lesson_ids = [lesson.pk for lesson in course.lessons]
    done = LessonProgress.objects.filter(
        member_id=member_id, lesson_id__in=lesson_ids, completed_at__isnull=False
    ).count()
    if not lesson_ids or done < len(lesson_ids):
        return False
    for requirement in hooks.get_hooks("school_completion_requirements"):
        if not requirement(member_id, course):
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


# ---- required courses ---------------------------------------------------------------


class AssignmentError(ValueError):
    """The assignment cannot be saved as asked; the message is Chinese."""


def _check_assignment(by, organizations, deadline, *, was=None) -> None:
    from django.core.exceptions import PermissionDenied

    from .permissions import may_assign_to

    if not organizations:
        raise AssignmentError("请至少选择一个党组织")
    if by is not None and not may_assign_to(by, organizations):
        raise PermissionDenied("所选党组织不在您管理的范围内")
    if deadline < timezone.localdate() and deadline != was:
        raise AssignmentError("截止日期不能早于今天")


@transaction.atomic
def assign_course(
    *,
    course: CoursePage,
    organizations: list,
    deadline: datetime.date,
    note: str = "",
    by=None,
):
    """Make the course 必修 for the organisations (and all below them) by the deadline;
    by must be allowed to assign to every one of them (PermissionDenied otherwise)."""
    from wagtail.log_actions import log

    from .models import CourseAssignment

    organizations = list(organizations)
    _check_assignment(by, organizations, deadline)
    assignment = CourseAssignment.objects.create(
        course=course, deadline=deadline, note=note, assigned_by=by
    )
    assignment.organizations.set(organizations)
    log(assignment, "wagtail.create", user=by)
    _after_assignment_saved(assignment)
    return assignment


@transaction.atomic
def change_assignment(
    assignment,
    *,
    course: CoursePage,
    organizations: list,
    deadline: datetime.date,
    note: str = "",
    by=None,
):
    """Change an assignment; by needs scope over its old and its new organisations."""
    from django.core.exceptions import PermissionDenied
    from wagtail.log_actions import log

    from .models import CourseAssignment
    from .permissions import may_assign_to

    assignment = CourseAssignment.objects.select_for_update().get(pk=assignment.pk)
    if by is not None and not may_assign_to(by, assignment.organizations.all()):
        raise PermissionDenied("该指派涉及您管理范围以外的党组织")
    organizations = list(organizations)
    _check_assignment(by, organizations, deadline, was=assignment.deadline)
    assignment.course = course
    assignment.deadline = deadline
    assignment.note = note
    assignment.save()
    assignment.organizations.set(organizations)
    log(assignment, "wagtail.edit", user=by)
    _after_assignment_saved(assignment)
    return assignment


@transaction.atomic
def delete_assignment(assignment, *, by=None) -> None:
    """Withdraw an assignment (members keep what they studied)."""
    from django.core.exceptions import PermissionDenied
    from wagtail.log_actions import log

    from .permissions import may_assign_to

    if by is not None and not may_assign_to(by, assignment.organizations.all()):
        raise PermissionDenied("该指派涉及您管理范围以外的党组织")
    log(assignment, "wagtail.delete", user=by)
    assignment.delete()


def _after_assignment_saved(assignment) -> None:
    """Once committed, tell the members it reaches (a background task: a committee's
    assignment may reach thousands)."""
    from .tasks import announce_course_assignment

    assignment_id = assignment.pk
    transaction.on_commit(
        lambda: announce_course_assignment.enqueue(assignment_id), robust=True
    )
