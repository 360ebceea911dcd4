"""Transcoding overhead: our pipeline versus a plain ffmpeg command, same renditions, same run.

    .venv/bin/python bench/school_transcode.py [--runs 3] [--sample ../shared/samples/bigbuckbunny.mp4]

Ours = ffprobe validation + one hardened ffmpeg run (HLS ladder + MP4 fallback, niced,
whitelists, -progress parsing) + one ffmpeg run for poster and thumbnails. The plain
command writes the same HLS ladder and MP4 with the same encoder settings and nothing
else. Runs alternate so both see the same machine state; medians are compared.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from school import transcoding  # noqa: E402


def plain_command(source: str, probe, out: Path) -> list[str]:
    """What someone would type by hand for the same renditions."""
    rungs = transcoding.ladder_for(probe.height)
    split = len(rungs) + 1
    graph = f"[0:v]split={split}" + "".join(f"[s{i}]" for i in range(split)) + ";"
    graph += ";".join(
        f"[s{i}]scale=-2:{rung.height}[v{i}]" for i, rung in enumerate(rungs)
    )
    graph += f";[s{len(rungs)}]scale=-2:{min(360, rungs[0].height)}[vf]"
    args = ["ffmpeg", "-v", "error", "-y", "-i", source, "-filter_complex", graph]
    stream_map = []
    for i, rung in enumerate(rungs):
        args += ["-map", f"[v{i}]", "-map", "0:a"]
        args += [f"-b:v:{i}", str(rung.video_bitrate), f"-maxrate:v:{i}",
                 str(int(rung.video_bitrate * 1.1)), f"-bufsize:v:{i}",
                 str(rung.video_bitrate * 2), f"-b:a:{i}", str(rung.audio_bitrate)]  # fmt: skip
        stream_map.append(f"v:{i},a:{i},name:{rung.height}p")
        (out / f"{rung.height}p").mkdir(parents=True, exist_ok=True)
    common = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
              "-pix_fmt", "yuv420p", "-sc_threshold", "0",
              "-force_key_frames", "expr:gte(t,n_forced*2)"]  # fmt: skip
    audio = ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
    args += [*common, *audio, "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod",
             "-hls_flags", "independent_segments",
             "-hls_segment_filename", str(out / "%v" / "seg%04d.ts"),
             "-master_pl_name", "master.m3u8", "-var_stream_map", " ".join(stream_map),
             str(out / "%v" / "index.m3u8")]  # fmt: skip
    args += ["-map", "[vf]", "-map", "0:a", *common, "-b:v", "600k", "-maxrate", "700k",
             "-bufsize", "1200k", *audio, "-b:a", "96k", "-movflags", "+faststart",
             str(out / "fallback.mp4")]  # fmt: skip
    return args


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_ours(source: str, out: Path) -> tuple[float, float]:
    start, cpu = time.perf_counter(), children_cpu()
    probe = transcoding.probe(source)
    transcoding.transcode(source, probe, out, on_progress=lambda fraction: None)
    return time.perf_counter() - start, children_cpu() - cpu


def run_plain(source: str, probe, out: Path) -> tuple[float, float]:
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(plain_command(source, probe, out), check=True)
    return time.perf_counter() - start, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--sample", default=str(ROOT.parent / "shared" / "samples" / "bigbuckbunny.mp4")
    )
    args = parser.parse_args()
    source = str(Path(args.sample).resolve())
    probe = transcoding.probe(source)
    rungs = ", ".join(f"{r.height}p" for r in transcoding.ladder_for(probe.height))
    print(f"sample: {source} ({probe.width}x{probe.height}, {probe.duration:.2f} s)")
    print(f"renditions: HLS {rungs} + MP4 360p; cpus: {os.cpu_count()}")
    ours, plain = [], []
    for run in range(args.runs):
        order = (("plain", plain), ("ours", ours))
        for label, times in order if run % 2 == 0 else order[::-1]:
            out = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
            try:
                took = (
                    run_plain(source, probe, out)
                    if label == "plain"
                    else run_ours(source, out)
                )
            finally:
                shutil.rmtree(out, ignore_errors=True)
            times.append(took)
            print(
                f"run {run + 1} {label:>5}: wall {took[0]:.2f} s, cpu {took[1]:.2f} s"
            )
    for index, name in ((0, "wall"), (1, "cpu")):
        ours_median = statistics.median(t[index] for t in ours)
        plain_median = statistics.median(t[index] for t in plain)
        overhead = (ours_median - plain_median) / plain_median * 100
        print(
            f"median {name}: plain ffmpeg {plain_median:.2f} s, our pipeline "
            f"{ours_median:.2f} s (incl. probe, poster, 4 thumbnails) -> overhead "
            f"{overhead:+.1f} %"
        )
    print(
        "note: ours runs at nice +10 so web requests win on a busy machine; on a shared "
        "machine compare cpu, on an idle one wall"
    )


if __name__ == "__main__":
    main()
