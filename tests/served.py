"""A real gunicorn with several worker processes serving the test database.

For tests that need real concurrency: 4 worker processes with 10 threads each, so a
burst of 40 requests is handled all at once, racing in separate processes as they do
behind nginx. The site runs config.settings.test on the database pytest-django set
up (SQLite file or PostgreSQL), so rows a transactional test writes are what the
site sees, and what it writes the test reads back. With `ratelimit="redis"` its
rate-limit counters live in Redis instead of the database.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from django.contrib.auth.hashers import MD5PasswordHasher

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_url() -> str | None:
    """A Redis database of this test process's own, or None when no Redis answers.

    With CI set, a missing Redis is an error (CI starts one), as in
    tests/config/test_infrastructure.py."""
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
    except OSError:
        if os.environ.get("CI"):
            raise
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{10 + number % 4}"


def database_url(settings_dict: dict) -> str:
    """The test database as a DATABASE_URL the served settings understand."""
    name = settings_dict["NAME"]
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


class CountingPasswordHasher(MD5PasswordHasher):
    """The test settings' hasher, writing a line to the file PORTAL_TEST_PASSWORD_CHECKS
    names for every password it checks: the served site's checks can be counted."""

    def verify(self, password, encoded):
        with open(os.environ["PORTAL_TEST_PASSWORD_CHECKS"], "a") as checks:
            checks.write("checked\n")
        return super().verify(password, encoded)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedSite:
    """gunicorn on a loopback port; start(), then get/post/concurrently, then stop()."""

    def __init__(
        self,
        settings_dict: dict,
        *,
        workers: int = 4,
        threads: int = 10,
        ratelimit_redis: str = "",
    ):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.threads = threads
        self.ratelimit_redis = ratelimit_redis
        self._tmp = tempfile.TemporaryDirectory(prefix="portal-served-")
        self._checks_file = Path(self._tmp.name) / "password-checks.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {"REDIS_URL", "ELASTICSEARCH_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url(settings_dict),
            PORTAL_VAR_DIR=self._tmp.name,
            PORTAL_MAILBOX_FILES_ROOT=str(Path(self._tmp.name) / "mailbox-files"),
            PORTAL_TEST_RATELIMIT_REDIS_URL=ratelimit_redis,
            PORTAL_TEST_PASSWORD_CHECKS=str(self._checks_file),
        )
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 240) -> ServedSite:
        self.log = open(Path(self._tmp.name) / "gunicorn.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                # Import Django once, then fork the workers: a faster start.
                "--preload",
                # Threads, so that all of a burst is in flight at once rather than
                # waiting in the listen queue for one of the workers.
                "--threads",
                str(self.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_text()}")
            try:
                requests.get(self.base_url + "/healthz", timeout=5)
                return self
            except requests.RequestException:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer: {self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return (Path(self._tmp.name) / "gunicorn.log").read_text(errors="replace")[
            -4000:
        ]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGINT is gunicorn's quick shutdown; a worker that a signal catches in
            # its own atexit handlers can still sit out gunicorn's 30 s graceful
            # timeout (CI saw it), and nothing here needs a clean exit.
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=60)
        self.log.close()
        self._tmp.cleanup()

    def password_checks(self) -> int:
        """Passwords the site has checked since the last reset_password_checks()."""
        if not self._checks_file.exists():
            return 0
        return len(self._checks_file.read_text().splitlines())

    def reset_password_checks(self) -> None:
        self._checks_file.unlink(missing_ok=True)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        return session

    def form_token(self, session: requests.Session, path: str) -> str:
        """Open a form page; the CSRF token its form carries (the cookie is set)."""
        page = session.get(self.base_url + path, timeout=120)
        assert page.status_code == 200, page.text[:2000]
        return CSRF_INPUT.search(page.text).group(1)

    def login(self, username: str, password: str) -> requests.Session:
        session = self.session()
        token = self.form_token(session, "/accounts/login/")
        response = session.post(
            self.base_url + "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
            },
            allow_redirects=False,
            timeout=120,
        )
        assert response.status_code == 302, response.text[:2000]
        return session

    def concurrently(
        self, session: requests.Session, posts: list[tuple[str, dict]]
    ) -> list[requests.Response]:
        """Send every (path, form) POST at once, each on its own connection, with the
        session's cookies; the answers in the order of `posts`."""
        cookies = session.cookies.get_dict()
        start = threading.Barrier(len(posts))

        def post(item: tuple[str, dict]) -> requests.Response:
            path, data = item
            with requests.Session() as own:
                own.trust_env = False
                request = own.prepare_request(
                    requests.Request(
                        "POST", self.base_url + path, data=data, cookies=cookies
                    )
                )
                start.wait(timeout=180)  # every thread ready: all go at once
                return own.send(request, allow_redirects=False, timeout=120)

        with ThreadPoolExecutor(max_workers=len(posts)) as pool:
            return list(pool.map(post, posts))
