"""ffprobe validation and the ffmpeg pipeline (HLS ladder, MP4 fallback, stills).

Every ffprobe/ffmpeg call reads local files only (`-protocol_whitelist file`) through a
whitelist of container demuxers placed before `-i`: an upload that is really an HLS or
concat playlist cannot make ffmpeg open other files or URLs. Calls run niced, with a
time limit, and die with the worker process that started them.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg
from django.conf import settings

# Container demuxers accepted from uploads; no playlists (hls, concat), no images.
INPUT_FORMATS = ("mov", "matroska", "avi", "mpegts", "flv", "asf", "mpeg")
INPUT_FORMAT_WHITELIST = ",".join(INPUT_FORMATS)
STILL_CODECS = {"mjpeg", "png", "bmp", "gif", "webp", "tiff"}
# File extension for a stored source, by demuxer: never anything a browser renders.
SOURCE_EXTENSIONS = {
    "mov": "mp4",
    "matroska": "mkv",
    "avi": "avi",
    "mpegts": "ts",
    "flv": "flv",
    "asf": "wmv",
    "mpeg": "mpg",
}


@dataclass(frozen=True)
class Rung:
    """One rendition of the HLS ladder."""

    height: int
    video_bitrate: int  # bits per second
    audio_bitrate: int


LADDER = (
    Rung(360, 800_000, 96_000),
    Rung(540, 1_400_000, 128_000),
    Rung(720, 2_800_000, 128_000),
    Rung(1080, 5_000_000, 160_000),
)
SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2
FALLBACK_HEIGHT = 360
THUMBNAIL_COUNT = 4


class VideoRejected(Exception):
    """The file is not a video we accept; the message is shown to the uploader."""


@dataclass(frozen=True)
class ProbeResult:
    """What ffprobe found in an accepted file."""

    demuxer: str
    duration: float
    width: int
    height: int
    video_codec: str
    audio_codec: str = ""
    frame_rate: float = 25.0

    @property
    def extension(self) -> str:
        return SOURCE_EXTENSIONS[self.demuxer]


@dataclass
class TranscodeOutput:
    """Files written into the output directory, relative to it."""

    master: str
    fallback: str
    poster: str
    thumbnails: list[str] = field(default_factory=list)
    renditions: list[dict] = field(default_factory=list)


def _limit_child() -> None:
    """In the child before exec: lower priority and die with the parent worker."""
    os.nice(settings.PORTAL_VIDEO_FFMPEG_NICENESS)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux
        pass


def _input_options(demuxer: str | None = None) -> dict:
    """Options placed before `-i` on every call that reads an upload."""
    options = {
        "protocol_whitelist": "file",
        "format_whitelist": INPUT_FORMAT_WHITELIST,
    }
    if demuxer:
        options["f"] = demuxer
    return options


def _format_size(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB".replace(".0 GB", " GB")
    return f"{size / 1024**2:.0f} MB"


def check_size(size: int) -> None:
    """Reject files over PORTAL_VIDEO_MAX_UPLOAD_BYTES before anything reads them."""
    limit = settings.PORTAL_VIDEO_MAX_UPLOAD_BYTES
    if size > limit:
        raise VideoRejected(
            f"视频文件为 {_format_size(size)}，超过了 {_format_size(limit)} 的上限。"
        )
    if size == 0:
        raise VideoRejected("文件是空的。")


def probe(path: str | os.PathLike) -> ProbeResult:
    """Inspect a local file with ffprobe; raise VideoRejected unless it is a sane video."""
    args = ["ffprobe", "-v", "error", "-hide_banner"]
    for key, value in _input_options().items():
        args += [f"-{key}", value]
    args += ["-show_format", "-show_streams", "-of", "json", "-i", str(path)]
    try:
        completed = subprocess.run(  # noqa: S603
            args,
            capture_output=True,
            timeout=60,
            preexec_fn=_limit_child,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise VideoRejected("无法在限定时间内识别这个文件。") from exc
    if completed.returncode != 0:
        raise VideoRejected(
            "无法识别的文件：不是受支持的视频格式（支持 MP4、MOV、MKV、WebM、AVI、FLV、"
            "TS、WMV、MPG）。"
        )
    info = json.loads(completed.stdout or b"{}")
    return _result_from_probe(info)


def _result_from_probe(info: dict) -> ProbeResult:
    fmt = info.get("format") or {}
    demuxer = (fmt.get("format_name") or "").split(",")[0]
    if demuxer not in INPUT_FORMATS:
        raise VideoRejected("无法识别的文件：不是受支持的视频格式。")
    streams = info.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video"
        and not (s.get("disposition") or {}).get("attached_pic")
        and s.get("codec_name") not in STILL_CODECS
    ]
    if not videos:
        raise VideoRejected(
            "文件中没有视频画面（只有声音或图片的文件不能作为课程视频）。"
        )
    video = videos[0]
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width < 16 or height < 16 or width * height > settings.PORTAL_VIDEO_MAX_PIXELS:
        raise VideoRejected(f"视频分辨率异常（{width}×{height}），无法处理。")
    duration = _float(fmt.get("duration")) or _float(video.get("duration"))
    limit = settings.PORTAL_VIDEO_MAX_DURATION
    if not duration or duration < 1:
        raise VideoRejected("视频时长异常（不足 1 秒或无法读取）。")
    if duration > limit:
        raise VideoRejected(
            f"视频时长 {duration / 3600:.1f} 小时，超过了 {limit / 3600:.0f} 小时的上限。"
        )
    return ProbeResult(
        demuxer=demuxer,
        duration=round(duration, 3),
        width=width,
        height=height,
        video_codec=video.get("codec_name") or "",
        audio_codec=(audio or {}).get("codec_name") or "",
        frame_rate=_frame_rate(video.get("avg_frame_rate")) or 25.0,
    )


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def _frame_rate(value: str | None) -> float | None:
    if not value or "/" not in value:
        return None
    num, _, den = value.partition("/")
    try:
        return float(num) / float(den) if float(den) else None
    except ValueError:
        return None


def ladder_for(height: int) -> list[Rung]:
    """Rungs at or below the source height; a small source gets one rung at its own size."""
    rungs = [rung for rung in LADDER if rung.height <= height]
    if not rungs:
        rungs = [Rung(height - height % 2, LADDER[0].video_bitrate, 96_000)]
    return rungs


def _even_width(source: ProbeResult, height: int) -> int:
    width = round(source.width * height / source.height)
    return width + width % 2


def build_transcode_command(
    source_path: str, source: ProbeResult, out_dir: Path
) -> list[str]:
    """One ffmpeg run: decode once, split into every rung, the MP4 fallback and stills."""
    rungs = ladder_for(source.height)
    fallback_height = min(FALLBACK_HEIGHT, rungs[0].height)
    stream = ffmpeg.input(source_path, **_input_options(source.demuxer))
    branches = stream.video.filter_multi_output("split", len(rungs) + 3)
    has_audio = bool(source.audio_codec)
    hls_streams = []
    per_stream: dict[str, str | int] = {}
    stream_map = []
    for index, rung in enumerate(rungs):
        scaled = branches[index].filter(
            "scale", _even_width(source, rung.height), rung.height
        )
        hls_streams.append(scaled)
        per_stream[f"b:v:{index}"] = rung.video_bitrate
        per_stream[f"maxrate:v:{index}"] = int(rung.video_bitrate * 1.1)
        per_stream[f"bufsize:v:{index}"] = rung.video_bitrate * 2
        if has_audio:
            hls_streams.append(stream.audio)
            per_stream[f"b:a:{index}"] = rung.audio_bitrate
            stream_map.append(f"v:{index},a:{index},name:{rung.height}p")
        else:
            stream_map.append(f"v:{index},name:{rung.height}p")
    common = {
        "c:v": "libx264",
        "preset": "veryfast",
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
    }
    audio_options = {"c:a": "aac", "ac": 2, "ar": 48000} if has_audio else {}
    hls = ffmpeg.output(
        *hls_streams,
        str(out_dir / "%v" / "index.m3u8"),
        f="hls",
        hls_time=SEGMENT_SECONDS,
        hls_playlist_type="vod",
        hls_flags="independent_segments",
        hls_segment_type="mpegts",
        hls_segment_filename=str(out_dir / "%v" / "seg%04d.ts"),
        master_pl_name="master.m3u8",
        var_stream_map=" ".join(stream_map),
        **common,
        **audio_options,
        **per_stream,
    )
    fallback_video = branches[len(rungs)].filter(
        "scale", _even_width(source, fallback_height), fallback_height
    )
    fallback_streams = [fallback_video, stream.audio] if has_audio else [fallback_video]
    fallback = ffmpeg.output(
        *fallback_streams,
        str(out_dir / "fallback.mp4"),
        movflags="+faststart",
        **{**common, "b:v": "600k", "maxrate": "700k", "bufsize": "1200k"},
        **({**audio_options, "b:a": "96k"} if has_audio else {}),
    )
    poster_at, thumbnail_times = still_moments(source.duration)
    poster_height = min(720, source.height)
    poster = (
        branches[len(rungs) + 1]
        .filter("select", f"gte(t,{poster_at:.3f})*isnan(prev_selected_t)")
        .filter("scale", _even_width(source, poster_height), poster_height)
        .output(str(out_dir / "poster.jpg"), vframes=1, **{"q:v": 3})
    )
    picks = "+".join(
        f"gte(t,{moment:.3f})*(isnan(prev_selected_t)+lt(prev_selected_t,{moment:.3f}))"
        for moment in thumbnail_times
    )
    thumb_height = min(180, source.height)
    thumbnails = (
        branches[len(rungs) + 2]
        .filter("select", f"gt({picks},0)")
        .filter("scale", _even_width(source, thumb_height), thumb_height)
        .output(str(out_dir / "thumb-%d.jpg"), fps_mode="vfr", **{"q:v": 4})
    )
    command = ffmpeg.merge_outputs(hls, fallback, poster, thumbnails).global_args(
        "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats"
    )
    threads = settings.PORTAL_VIDEO_FFMPEG_THREADS
    if threads:
        command = command.global_args("-threads", str(threads))
    return ["ffmpeg", *command.global_args("-progress", "pipe:1").get_args()]


def still_moments(duration: float) -> tuple[float, list[float]]:
    """When to take the poster (early, past any fade-in) and the thumbnails (spread out)."""
    poster_at = min(duration * 0.1, 5.0)
    step = duration / (THUMBNAIL_COUNT + 1)
    return poster_at, [step * (i + 1) for i in range(THUMBNAIL_COUNT)]


class FfmpegFailed(Exception):
    """ffmpeg exited with an error or ran past its time limit."""


def run_ffmpeg(
    args: list[str],
    *,
    on_progress: Callable[[float], None] | None = None,
    duration: float = 0,
    timeout: float | None = None,
) -> None:
    """Run ffmpeg niced with a time limit, reporting progress (seconds done) as it goes."""
    timeout = timeout or settings.PORTAL_VIDEO_FFMPEG_TIMEOUT
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603
            args,
            stdout=subprocess.PIPE if on_progress else subprocess.DEVNULL,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            preexec_fn=_limit_child,
        )
        try:
            if on_progress and process.stdout:
                for raw in process.stdout:
                    if time.monotonic() > deadline:
                        raise subprocess.TimeoutExpired(args, timeout)
                    key, _, value = raw.decode(errors="replace").strip().partition("=")
                    if key == "out_time_us" and value.lstrip("-").isdigit():
                        on_progress(max(0, int(value)) / 1_000_000)
            process.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as exc:
            process.kill()
            process.wait()
            raise FfmpegFailed(
                f"转码超过了 {timeout / 60:.0f} 分钟的时间上限。"
            ) from exc
        except BaseException:
            process.kill()
            process.wait()
            raise
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read()[-800:].decode(errors="replace").strip()
            raise FfmpegFailed(f"ffmpeg 出错（退出码 {process.returncode}）：{tail}")


def transcode(
    source_path: str,
    source: ProbeResult,
    out_dir: Path,
    on_progress: Callable[[float], None] | None = None,
) -> TranscodeOutput:
    """Write the HLS ladder, MP4 fallback, poster and thumbnails into out_dir."""
    rungs = ladder_for(source.height)
    for rung in rungs:
        (out_dir / f"{rung.height}p").mkdir(parents=True, exist_ok=True)

    def report(done: float) -> None:
        if on_progress and source.duration:
            on_progress(min(done / source.duration, 1.0))

    run_ffmpeg(
        build_transcode_command(source_path, source, out_dir),
        on_progress=report,
        duration=source.duration,
    )
    master = out_dir / "master.m3u8"
    if not master.exists() or not (out_dir / "fallback.mp4").exists():
        raise FfmpegFailed("ffmpeg 没有生成完整的输出文件。")
    thumbnails = [f"thumb-{i}.jpg" for i in range(1, THUMBNAIL_COUNT + 1)]
    return TranscodeOutput(
        master="master.m3u8",
        fallback="fallback.mp4",
        poster="poster.jpg" if (out_dir / "poster.jpg").exists() else "",
        thumbnails=[name for name in thumbnails if (out_dir / name).exists()],
        renditions=[
            {
                "height": rung.height,
                "width": _even_width(source, rung.height),
                "bandwidth": rung.video_bitrate
                + (rung.audio_bitrate if source.audio_codec else 0),
            }
            for rung in rungs
        ],
    )
