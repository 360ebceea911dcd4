"""Accepting videos (checks by content, the Video row, the transcode queue) and
transcoding them: one worker claims a video under a lease, reports progress, and a
stalled run is recovered.
"""

from __future__ import annotations

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
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import transcoding
from ..models import (
    Video,
    video_root,
)
from ..transcoding import VideoRejected

logger = logging.getLogger(__name__)

VIDEO_DIR = "school/videos"


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
    from ..tasks import transcode_video

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
    from ..tasks import transcode_video as task

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
