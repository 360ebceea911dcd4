"""A real db_worker killed mid-transcode: the job is recovered and finishes exactly once."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import make_clip, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.own_database]


def ffmpeg_running_on(folder: Path) -> bool:
    processes = subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout.splitlines()  # fmt: skip
    return any(line.startswith("ffmpeg") and str(folder) in line for line in processes)


@pytest.fixture
def site(tmp_path, migrated_sqlite):
    """A migrated dev-settings site with its own SQLite file and media folder."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORTAL_VIDEO_FFMPEG_THREADS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
    }
    (tmp_path / "var").mkdir()

    def manage(*args, check=True, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, check=check, timeout=600,
            **kwargs,
        )  # fmt: skip

    migrated_sqlite(tmp_path / "var" / "db.sqlite3")
    manage("migrate", "--noinput", "-v0")
    db = sqlite3.connect(tmp_path / "var" / "db.sqlite3", timeout=20)

    def query(sql, *params):
        return db.execute(sql, params).fetchall()

    yield manage, query, env, tmp_path
    db.close()


def test_killed_worker_job_is_picked_up_again_and_finishes_once(site):
    manage, query, env, tmp_path = site
    # 12 s at 360p: one rung and the MP4 fallback, a few seconds of work on one
    # thread, long enough to be killed halfway (progress is written every half second)
    # and cheap enough to finish afterwards. ffmpeg runs niced, so beside a busy test
    # run each second of clip costs many (a 30 s clip took 109 s in CI).
    clip = make_clip(tmp_path / "long.mp4", seconds=12, size="640x360")
    manage("import_video", str(clip), "--title", "中断测试")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "video", "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(
            lambda: query(
                "SELECT 1 FROM school_video WHERE status='processing' AND progress_percent >= 5"
            ),
            120,
            "the transcode to start",
        )
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    videos = query("SELECT id, status, hls_master, output_dir FROM school_video")
    assert [(row[1], row[2], row[3]) for row in videos] == [("processing", "", "")]
    video_id = videos[0][0]
    out = tmp_path / "media" / "school" / "videos"
    assert [p.name for p in out.glob(".tmp-*")]  # partial output, never published
    assert not list(out.glob(f"{video_id}-*"))
    # ffmpeg died with its worker (no orphan keeps writing).
    wait_for(lambda: not ffmpeg_running_on(tmp_path), 10, "ffmpeg to exit")

    recovered = manage("recover_stalled_videos", "--stall-seconds", "0")
    assert str(video_id) in recovered.stdout
    assert query("SELECT status FROM school_video") == [("pending",)]
    assert not list(out.glob(".tmp-*"))

    manage("db_worker", "--queue-name", "video", "--batch", "--interval", "0.2")
    status, attempts, output_dir = query(
        "SELECT status, attempts, output_dir FROM school_video"
    )[0]
    assert (status, attempts) == ("ready", 2)
    assert [p.name for p in out.iterdir()] == [output_dir.rsplit("/", 1)[-1]]
    results = query(
        "SELECT status FROM django_tasks_database_dbtaskresult "
        "WHERE task_path='school.tasks.transcode_video' ORDER BY enqueued_at"
    )
    assert results == [("FAILED",), ("SUCCESSFUL",)]

    # Recovering and running again changes nothing: it finished exactly once.
    manage("recover_stalled_videos", "--stall-seconds", "0")
    manage("db_worker", "--queue-name", "video", "--batch", "--interval", "0.2")
    assert query("SELECT status, attempts, output_dir FROM school_video")[0] == (
        "ready",
        2,
        output_dir,
    )
    assert len(list(out.iterdir())) == 1
