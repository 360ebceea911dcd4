"""The site under production settings for benchmarks: a private database, gunicorn.

Shared by bench/news_load.py and bench/site_speed.py: an environment for
config.settings.production on a throwaway SQLite database, `manage.py` calls, a
gunicorn process group, plain HTTP GETs and the CPU time gunicorn's workers used.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UA = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"
)


def production_env(workdir: Path, cache: str = "file") -> dict:
    """Environment for config.settings.production on a database in `workdir`."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdef",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORTAL_BASE_URL="http://127.0.0.1",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        PORTAL_VAR_DIR=str(workdir),
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        SECURE_SSL_REDIRECT="False",
        PORTAL_FIELD_ENCRYPTION_KEY="bench-field-key-0123456789abcdef",
    )
    for name in ("DEBUG", "ELASTICSEARCH_URL"):
        env.pop(name, None)
    if cache == "redis":
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    else:
        env.pop("REDIS_URL", None)
    return env


def flush_redis(env: dict) -> None:
    if env.get("REDIS_URL"):
        subprocess.run(
            ["redis-cli", "-u", env["REDIS_URL"], "FLUSHDB"],
            check=False,
            capture_output=True,
        )


def manage(env: dict, *args: str) -> str:
    """Run `manage.py` with this environment; its output."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def prepare_site(env: dict) -> None:
    """Migrate, load the demo content and collect static files."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    # vendor/ holds hls.js, whose missing source map breaks the manifest step; the
    # pages measured do not use it.
    manage(env, "collectstatic", "--noinput", "--ignore", "vendor")


class Gunicorn:
    """A gunicorn process group serving `app` on 127.0.0.1:`port`; options are more
    of gunicorn's arguments, log a file for its output."""

    def __init__(
        self,
        app: str,
        env: dict,
        port: int,
        workers: int,
        chdir: Path = ROOT,
        options: tuple[str, ...] = (),
        log=None,
    ):
        self.port = port
        self.process = subprocess.Popen(
            [
                GUNICORN,
                app,
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--chdir",
                str(chdir),
                *options,
            ],
            cwd=chdir,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def wait_until_up(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the master and its live workers."""
        total = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, dict]:
    """One GET as a phone browser would send it; (status, body, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"User-Agent": UA, "Host": "localhost"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    headers = dict(response.getheaders())
    conn.close()
    return response.status, body, headers
