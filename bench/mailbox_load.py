"""Load benchmark: 1,000 letters submitted concurrently while the web server is killed.

Starts gunicorn on a private SQLite database (or DATABASE_URL) in a temporary
directory, submits letters with attachments from many threads, kills the whole
gunicorn process group with SIGKILL twice mid-run and restarts it, then checks
that every tracking number a writer was shown exists with its attachments (files
on disk, matching hashes, query code valid) and that no submission was stored
twice. Prints figures; asserts nothing.

    .venv/bin/python bench/mailbox_load.py [--letters 1000] [--threads 24]
"""

import argparse
import hashlib
import io
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image
from portal_server import Gunicorn

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_env(var_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DEBUG="false",
        PORTAL_VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        PORTAL_MAILBOX_FILES_ROOT=str(var_dir / "mailbox-files"),
        PORTAL_MAILBOX_LETTERS_PER_IP="1000000",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


class Server:
    """gunicorn (portal_server.Gunicorn, a process group, so a kill takes master and
    workers) that starts again on the same port after a kill."""

    def __init__(self, env: dict, port: int, workers: int):
        self.env, self.port, self.workers = env, port, workers
        self.gunicorn = None
        self.log = open(Path(env["PORTAL_VAR_DIR"]) / "gunicorn.log", "ab")  # noqa: SIM115

    def start(self) -> float:
        """Start and wait until the site answers; returns how long that took."""
        started = time.monotonic()
        self.gunicorn = Gunicorn(
            "config.wsgi",
            self.env,
            self.port,
            self.workers,
            options=("--timeout", "60", "--preload"),
            log=self.log,
        )
        self.gunicorn.wait_until_up("/mailbox/track/")
        return time.monotonic() - started

    def kill(self) -> None:
        os.killpg(self.gunicorn.process.pid, signal.SIGKILL)
        self.gunicorn.process.wait()

    def stop(self) -> None:
        if self.gunicorn:
            self.gunicorn.stop()


def attachment_set(index: int) -> list[tuple[str, bytes, str]]:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (index % 256, (index * 7) % 256, 90)).save(buffer, "PNG")
    files = [(f"photo{index}.png", buffer.getvalue(), "image/png")]
    if index % 3 == 0:
        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
        out = io.BytesIO()
        writer.write(out)
        pdf = out.getvalue()
        files.append((f"scan{index}.pdf", pdf, "application/pdf"))
    return files


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.receipts = []  # (marker, number, code, attachments)
        self.failed = []
        self.refused = []
        self.retries = 0
        self.latencies = []
        self.completed = 0


def submit_one(base: str, index: int, stats: Stats, mailbox_id: str) -> None:
    marker = f"[bench-{uuid.uuid4().hex}]"
    files = attachment_set(index)
    session = requests.Session()
    token = None
    started = time.monotonic()
    give_up = time.monotonic() + 300
    attempt = 0
    while time.monotonic() < give_up:
        attempt += 1
        try:
            if token is None:
                page = session.get(f"{base}/mailbox/write/", timeout=30)
                page.raise_for_status()
                token = re.search(
                    r'name="submission_token" value="([^"]+)"', page.text
                )[1]
            data = {
                "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
                "submission_token": token,
                "mailbox": mailbox_id,
                "letter_type": "suggest",
                "subject": f"压力测试来信 {index}",
                "content": f"这是第 {index} 封压力测试来信。{marker}",
                "real_name": "压测",
                "phone": "13800000000",
                "privacy": "on",
            }
            response = session.post(
                f"{base}/mailbox/write/",
                data=data,
                files=[("attachments", f) for f in files],
                headers={"Referer": f"{base}/mailbox/write/"},
                timeout=60,
            )
            if response.status_code >= 500 or response.status_code == 429:
                raise requests.ConnectionError(f"HTTP {response.status_code}")
            numbers = re.search(
                r'data-testid="tracking-number">([^<]+)<', response.text
            )
            codes = re.search(r'data-testid="query-code">([^<]+)<', response.text)
            if not numbers and "form-errors" in response.text:
                with stats.lock:
                    stats.refused.append(re.findall(r"<li>([^<]+)</li>", response.text))
                    stats.completed += 1
                return
            if not numbers:
                raise requests.ConnectionError(
                    f"no receipt (HTTP {response.status_code})"
                )
            with stats.lock:
                stats.receipts.append((marker, numbers[1], codes[1], len(files)))
                stats.latencies.append(time.monotonic() - started)
                stats.completed += 1
            return
        except (requests.RequestException, TypeError):
            with stats.lock:
                stats.retries += 1
            time.sleep(min(0.2 * attempt, 1.0))
    with stats.lock:
        stats.failed.append(marker)
        stats.completed += 1


def setup_database(env: dict) -> str:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    out = subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "from mailbox.models import Mailbox;"
            "print(Mailbox.objects.get_or_create(name='压测信箱')[0].pk)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def verify(env: dict, stats: Stats) -> dict:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count

    from mailbox import services
    from mailbox.models import Letter, LetterAttachment, LetterEvent, private_storage
    from members import tracking

    missing, bad_files, bad_codes, wrong_counts = [], 0, 0, 0
    for marker, number, code, expected in stats.receipts:
        letter = Letter.objects.filter(tracking_number=number).first()
        if letter is None or marker not in letter.content:
            missing.append(number)
            continue
        if not tracking.query_code_matches(
            code, letter.query_code_hash, key=services._code_key()
        ):
            bad_codes += 1
        attachments = list(letter.attachments.all())
        if len(attachments) != expected:
            wrong_counts += 1
        for item in attachments:
            path = Path(private_storage.path(item.file.name))
            if (
                not path.exists()
                or hashlib.sha256(path.read_bytes()).hexdigest() != item.sha256
            ):
                bad_files += 1
    shown_numbers = [r[1] for r in stats.receipts]
    markers = [
        re.search(r"\[bench-[0-9a-f]+\]", c)[0]
        for c in Letter.objects.values_list("content", flat=True)
        if "[bench-" in c
    ]
    duplicate_markers = len(markers) - len(set(markers))
    duplicate_numbers = (
        Letter.objects.values("tracking_number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    known = set(LetterAttachment.objects.values_list("file", flat=True))
    root = Path(private_storage.location)
    on_disk = [p for p in root.rglob("*") if p.is_file()]
    orphans = [p for p in on_disk if str(p.relative_to(root)) not in known]
    no_attachment_letters = Letter.objects.filter(attachments__isnull=True).count()
    swept = services.purge_orphan_letter_files(
        older_than=__import__("datetime").timedelta(0)
    )
    return {
        "letters_in_db": Letter.objects.count(),
        "shown_receipts": len(shown_numbers),
        "shown_but_missing": len(missing),
        "shown_with_wrong_attachment_count": wrong_counts,
        "attachment_files_missing_or_corrupt": bad_files,
        "query_codes_not_matching": bad_codes,
        "submissions_stored_twice": duplicate_markers,
        "duplicate_tracking_numbers": duplicate_numbers,
        "letters_without_attachments": no_attachment_letters,
        "forms_resent_and_replayed": LetterEvent.objects.filter(
            action="resubmit"
        ).count(),
        "orphan_files_after_kills": len(orphans),
        "orphan_files_swept": swept,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=24)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=2)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="mailbox-load-"))
    env = make_env(var_dir)
    mailbox_id = setup_database(env)
    port = free_port()
    server = Server(env, port, args.workers)
    boot = server.start()
    base = f"http://127.0.0.1:{port}"
    stats = Stats()
    kill_points = [
        int(args.letters * (k + 1) / (args.kills + 1)) for k in range(args.kills)
    ]
    restarts = []

    def killer():
        for point in kill_points:
            while stats.completed < point:
                time.sleep(0.05)
            server.kill()
            killed_at = time.monotonic()
            time.sleep(0.5)
            server.start()
            restarts.append(time.monotonic() - killed_at)

    started = time.monotonic()
    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    try:
        with ThreadPoolExecutor(args.threads) as pool:
            for index in range(args.letters):
                pool.submit(submit_one, base, index, stats, mailbox_id)
        kill_thread.join(timeout=120)
    finally:
        elapsed = time.monotonic() - started
        server.stop()

    result = verify(env, stats)
    lat = sorted(stats.latencies)
    print(f"letters submitted:        {args.letters} from {args.threads} threads")
    print(f"gunicorn workers:         {args.workers} (SIGKILLed {len(restarts)} times)")
    print(f"database:                 {env.get('DATABASE_URL') or 'SQLite (WAL)'}")
    print(
        f"wall time:                {elapsed:.1f} s, {len(lat) / elapsed:.1f} letters/s"
    )
    print(f"first boot:               {boot:.1f} s")
    print("restart after kill:       " + ", ".join(f"{r:.1f} s" for r in restarts))
    if lat:
        print(
            f"latency per letter:       p50 {statistics.median(lat):.2f} s, "
            f"p95 {lat[int(0.95 * (len(lat) - 1))]:.2f} s, max {lat[-1]:.2f} s "
            "(incl. retries)"
        )
    print(f"client retries:           {stats.retries}")
    print(f"given up after retries:   {len(stats.failed)}")
    print(f"refused by the form:      {len(stats.refused)} {stats.refused[:3]}")
    for key, value in result.items():
        print(f"{key + ':':<37} {value}")


if __name__ == "__main__":
    main()
