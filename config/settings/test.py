"""Settings for pytest: fast hashing, in-memory cache, tasks run immediately."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-key-5b0f6b3d2c1a4e9f8d7c6b5a4e3d2c1b"  # noqa: S105
ALLOWED_HOSTS = ["*"]

_tmp = Path(tempfile.mkdtemp(prefix="portal-test-"))
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)

# SQLite tests use a file in the per-run temporary folder, not ":memory:". Django keeps
# an in-memory test database in SQLite's shared cache, where a lock conflict fails at
# once ("database table is locked") instead of waiting for the busy timeout; the live
# server of the browser tests answers from several threads and ran into it (a session
# not saved, a 400 page). A file gets base.py's OPTIONS like any SQLite database: WAL
# (readers never wait for the writer), BEGIN IMMEDIATE and a 20 s busy timeout (writers
# wait their turn), and one connection per thread. Under xdist pytest-django appends
# the worker id to the name (db.sqlite3_gw0); each worker has its own folder anyway.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "db.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Heartbeats go straight to the test database; tests of the Redis buffer set it (a
# gunicorn that tests start reads it from the environment).
PORTAL_SCHOOL_HEARTBEAT_REDIS_URL = env("PORTAL_TEST_HEARTBEAT_REDIS_URL", default="")
PORTAL_SCHOOL_HEARTBEAT_REDIS_PREFIX = env(
    "PORTAL_TEST_HEARTBEAT_REDIS_PREFIX", default="test:school:"
)
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "video", "search"],
    }
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

MEDIA_ROOT = _tmp / "media"
PORTAL_SEARCH_INDEX_DIR = _tmp / "search"
if env("ELASTICSEARCH_URL", default=""):
    # A run never touches a real index: its own prefix per run and xdist worker,
    # dropped at the end of the session (tests/search/conftest.py). Writes wait
    # for a refresh, so a test searches what it just wrote.
    PORTAL_SEARCH_TEST_INDEX_PREFIX = f"test-{_tmp.name[-8:].lower()}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-"
    PORTAL_SEARCH_ELASTICSEARCH = {
        **PORTAL_SEARCH_ELASTICSEARCH,  # noqa: F405
        "INDEX": PORTAL_SEARCH_TEST_INDEX_PREFIX + "portal",
        "REFRESH": True,
    }
    PORTAL_SEARCH_BACKENDS = {"default": PORTAL_SEARCH_ELASTICSEARCH}
else:
    PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": _tmp / "search" / "index.sqlite3",
        }
    }
PORTAL_FIELD_ENCRYPTION_KEY = "test-field-key-0123456789abcdef"
WAGTAILADMIN_BASE_URL = "http://testserver"
# news/home: tests that check the page cache switch it on themselves (and with it the
# page-data cache, PORTAL_PAGE_DATA_CACHE_SECONDS, which the malformed-input walks
# switch on alone: tests/home/walker.py).
PORTAL_PAGE_CACHE_SECONDS = 0
PORTAL_BASE_URL = ""  # tests that need the site address set it themselves
# Rate-limit counters live in the test database (members.ratelimit), whatever
# REDIS_URL says; a gunicorn that tests start may be given Redis (tests/served.py).
PORTAL_RATELIMIT_REDIS_URL = env("PORTAL_TEST_RATELIMIT_REDIS_URL", default="")
# A gunicorn started by tests counts the passwords it checks (tests/served.py).
if env("PORTAL_TEST_PASSWORD_CHECKS", default=""):
    PASSWORD_HASHERS = ["tests.served.CountingPasswordHasher"]
