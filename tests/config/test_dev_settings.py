"""`make run` (config.settings.dev) shows the site's own error pages unless DEBUG=1."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_database


ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); from django.conf import settings;"
    "from django.test import Client;"
    "r = Client().get('/no-such-page/', HTTP_HOST='127.0.0.1');"
    "print(settings.DEBUG, settings.PORTAL_SERVE_MEDIA, r.status_code,"
    " 'Page not found' in r.content.decode(), '页面未找到' in r.content.decode())"
)


def dev_environment(var_dir, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        PORTAL_VAR_DIR=str(var_dir),
        **extra,
    )
    return env


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory, migrated_sqlite):
    """What `make run` makes first: the dev settings' own migrated database (once for
    both tests; DEBUG is read when the site starts, not when it migrates)."""
    path = tmp_path_factory.mktemp("dev-var")
    migrated_sqlite(path / "db.sqlite3")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=dev_environment(path),
        check=True,
        capture_output=True,
    )
    return path


def probe(var_dir, **extra) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=dev_environment(var_dir, **extra),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


def test_make_run_shows_the_chinese_404_page_not_djangos_debug_page(var_dir):
    assert probe(var_dir) == ["False", "True", "404", "False", "True"]


def test_debug_1_brings_back_djangos_debug_pages(var_dir):
    assert probe(var_dir, DEBUG="1")[:4] == ["True", "True", "404", "True"]
