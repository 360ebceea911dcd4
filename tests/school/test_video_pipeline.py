"""Validation and transcoding with the real ffprobe/ffmpeg on tiny generated clips."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from school import services, transcoding
from school.models import Video, video_root
from school.transcoding import VideoRejected

from .conftest import make_clip

pytestmark = pytest.mark.django_db


def media(path: str) -> Path:
    return video_root() / path


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def test_tiny_clip_becomes_hls_ladder_mp4_poster_and_thumbnails(
    tiny_clip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(tiny_clip, title="测试视频")
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert video.progress_percent == 100
    assert video.duration == pytest.approx(2, abs=0.1)
    assert (video.width, video.height) == (320, 240)
    assert (video.video_codec, video.audio_codec) == ("h264", "aac")
    out = media(video.output_dir)
    master = (out / video.hls_master).read_text()
    # A 240p source gets a single rung at its own height, nothing upscaled.
    assert re.findall(r"RESOLUTION=(\d+x\d+)", master) == ["320x240"]
    assert "BANDWIDTH=" in master
    assert (out / video.mp4_fallback).stat().st_size > 1000
    assert (out / video.poster).read_bytes()[:2] == b"\xff\xd8"
    assert len(video.thumbnails) == 4
    assert video.source.name.endswith(".mp4")
    assert not list(out.parent.glob(".tmp-*"))


def test_videos_stay_on_local_disk_when_media_goes_to_object_storage(
    tiny_clip, settings, tmp_path, django_capture_on_commit_callbacks
):
    """MEDIA_STORAGE=s3 swaps the default storage for one without file paths
    (InMemoryStorage stands in for it); ffmpeg still gets a local source."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.PORTAL_VIDEO_ROOT = tmp_path / "videos"
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(tiny_clip, title="对象存储")
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert Path(video.source.path).is_relative_to(tmp_path / "videos")
    assert (tmp_path / "videos" / video.output_dir / video.hls_master).is_file()


def test_ladder_has_only_rungs_at_or_below_the_source_height(
    clip_540, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(clip_540, title="540p")
    video.refresh_from_db()
    master = media(video.output_dir) / "master.m3u8"
    assert re.findall(r"RESOLUTION=\d+x(\d+)", master.read_text()) == ["360", "540"]
    assert [r["height"] for r in video.renditions] == [360, 540]
    segment = media(video.output_dir) / "360p" / "index.m3u8"
    assert "#EXT-X-TARGETDURATION" in segment.read_text()


def test_keyframes_are_aligned_across_renditions(clip_540, tmp_path):
    probe = transcoding.probe(clip_540)
    transcoding.transcode(str(clip_540), probe, tmp_path)

    def keyframes(rung):
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v", "-skip_frame", "nokey",
             "-show_entries", "frame=pts_time", "-of", "csv=p=0",
             str(tmp_path / rung / "seg0000.ts")],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        return [round(float(t.strip(",")), 2) for t in out if t.strip(",")]

    assert keyframes("360p") == keyframes("540p")
    assert len(keyframes("360p")) >= 2


def test_video_without_audio_is_transcoded(
    clip_dir, django_capture_on_commit_callbacks
):
    silent = make_clip(clip_dir / "silent.mp4", audio=False)
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(silent, title="无声")
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert "mp4a" not in (media(video.output_dir) / "master.m3u8").read_text()


def test_text_file_is_rejected_in_chinese(tmp_path):
    fake = tmp_path / "lesson.mp4"
    fake.write_text("<html><script>alert(1)</script></html>")
    with pytest.raises(VideoRejected, match="不是受支持的视频格式"):
        services.import_video_file(fake, title="假视频")
    assert not Video.objects.exists()


def test_audio_only_file_is_rejected(tmp_path):
    audio = tmp_path / "voice.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=2", "-c:a", "libopus", str(audio)],
        check=True,
    )  # fmt: skip
    with pytest.raises(VideoRejected, match="没有视频画面"):
        services.import_video_file(audio, title="只有声音")


def test_still_image_is_rejected(tmp_path):
    image = tmp_path / "poster.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=64x64:d=1",
         "-frames:v", "1", "-f", "image2", str(image)],
        check=True,
    )  # fmt: skip
    with pytest.raises(VideoRejected):
        services.import_video_file(image, title="图片")


def test_too_short_video_is_rejected(clip_dir):
    short = make_clip(clip_dir / "short.mp4", seconds=0.4)
    with pytest.raises(VideoRejected, match="时长异常"):
        services.import_video_file(short, title="太短")


def test_absurd_duration_is_rejected(tiny_clip, settings):
    settings.PORTAL_VIDEO_MAX_DURATION = 1
    with pytest.raises(VideoRejected, match="超过了"):
        services.import_video_file(tiny_clip, title="太长")


def test_absurd_resolution_is_rejected(tiny_clip, settings):
    settings.PORTAL_VIDEO_MAX_PIXELS = 100 * 100
    with pytest.raises(VideoRejected, match="分辨率异常"):
        services.import_video_file(tiny_clip, title="太大")


def test_file_over_the_size_limit_is_rejected_before_probing(tiny_clip, settings):
    settings.PORTAL_VIDEO_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(VideoRejected, match="超过了"):
        services.create_video(title="太大", upload=upload_of(tiny_clip))
    assert not Video.objects.exists()


def test_hls_playlist_disguised_as_video_is_rejected_without_reading_other_files(
    tmp_path, tiny_clip
):
    secret = tmp_path / "secret.ts"
    shutil.copy(tiny_clip, secret)  # a real local media file it would love to read
    os.utime(secret, (1_000_000_000, 1_000_000_000))
    playlist = tmp_path / "lesson.mp4"
    playlist.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n"
        f"#EXTINF:10,\n{secret}\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(VideoRejected):
        services.import_video_file(playlist, title="播放列表")
    with pytest.raises(VideoRejected):
        services.create_video(title="上传的播放列表", upload=upload_of(playlist))
    assert os.stat(secret).st_atime == 1_000_000_000
    assert not Video.objects.exists()


def test_every_ffmpeg_call_whitelists_protocol_and_format_before_input(
    tiny_clip, tmp_path
):
    probe = transcoding.probe(tiny_clip)
    commands = [transcoding.build_transcode_command(str(tiny_clip), probe, tmp_path)]
    for command in commands:
        inputs = [i for i, arg in enumerate(command) if arg == "-i"]
        assert inputs
        for index in inputs:
            before = command[:index]
            assert before[before.index("-protocol_whitelist") + 1] == "file"
            assert "hls" not in before[before.index("-format_whitelist") + 1].split(",")
            assert before[before.index("-f") + 1] == "mov"


def test_import_video_command_queues_a_video(
    tiny_clip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_video", str(tiny_clip), "--title", "命令导入")
    assert Video.objects.get().status == Video.Status.READY


def test_import_video_command_fails_on_rejection(tmp_path):
    fake = tmp_path / "x.mp4"
    fake.write_bytes(b"not a video at all")
    with pytest.raises(CommandError, match="视频被拒绝"):
        call_command("import_video", str(fake), "--title", "假")
    result = subprocess.run(
        [str(Path(os.sys.executable)), "manage.py", "import_video", str(fake), "--title", "假"],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "不是受支持的视频格式" in result.stderr


def test_failed_transcode_leaves_a_clear_error_and_no_files(
    tiny_clip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        video = services.import_video_file(tiny_clip, title="会失败")
    Path(video.source.path).write_bytes(b"garbage now")
    for callback in callbacks:
        callback()
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert "不是受支持的视频格式" in video.error
    assert not video.output_dir
    base = video_root() / services.VIDEO_DIR
    assert not list(base.glob(f"{video.pk}-*")) and not list(base.glob(".tmp-*"))


def test_retry_requeues_a_failed_video(tiny_clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(tiny_clip, title="重试")
    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, error="x")
    video.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_video(video)
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.attempts == 2
    # The previous run's output was replaced, not left behind.
    assert len(list((video_root() / services.VIDEO_DIR).glob(f"{video.pk}-*"))) == 1


def test_running_the_task_twice_transcodes_once(
    tiny_clip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(tiny_clip, title="两次")
    video.refresh_from_db()
    first_output = video.output_dir
    assert services.transcode_video(video.pk) == "skipped (ready)"
    video.refresh_from_db()
    assert video.output_dir == first_output
    assert video.attempts == 1


def test_a_run_that_lost_its_lease_does_not_publish(
    tiny_clip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        video = services.import_video_file(tiny_clip, title="租约")
    real_transcode = transcoding.transcode

    def transcode_then_lose_lease(*args, **kwargs):
        output = real_transcode(*args, **kwargs)
        Video.objects.filter(pk=video.pk).update(lease="someone-else")
        return output

    transcoding.transcode, original = transcode_then_lose_lease, transcoding.transcode
    try:
        assert services.transcode_video(video.pk) == "superseded"
    finally:
        transcoding.transcode = original
    base = video_root() / services.VIDEO_DIR
    assert not list(base.glob(f"{video.pk}-*"))


@pytest.mark.slow
def test_a_720p_clip_gets_the_whole_ladder(
    django_capture_on_commit_callbacks, tmp_path
):
    sample = make_clip(tmp_path / "hd.mp4", seconds=3, size="1280x720")
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(sample, title="高清课件")
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    heights = re.findall(
        r"RESOLUTION=\d+x(\d+)", (media(video.output_dir) / "master.m3u8").read_text()
    )
    assert heights == ["360", "540", "720"]
    fallback = transcoding.probe(media(video.output_dir) / video.mp4_fallback)
    assert fallback.height == 360
    assert fallback.duration == pytest.approx(video.duration, abs=0.3)
