"""Fixtures shared by every test folder."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest


@pytest.fixture
def home_page(db):
    from home.models import HomePage

    return HomePage.objects.get()


@pytest.fixture
def restore_sources():
    """Put the apps' own search sources back after a test registers stand-ins
    (a stand-in of type "policy" or "news" replaces the real source)."""
    from search import registry

    saved = dict(registry._sources)
    yield
    registry._sources.clear()
    registry._sources.update(saved)


def _flushes(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transaction = marker is not None and marker.kwargs.get("transaction", False)
    return transaction or bool(
        {"transactional_db", "live_server"} & set(item.fixturenames)
    )


def pytest_configure(config):
    """xdist's --dist loadfile reorders test files by their number of tests unless told
    not to (its --no-loadscope-reorder), which started the one-test malformed-input
    walks last. Set here rather than in pyproject's addopts, where the option would
    stop every run without xdist (`-p no:xdist`, as deploy/check/run uses)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    """Tests that flush the database (transactional tests, live-server browser tests)
    run beside the others in one pytest command. A flush empties the rows the data
    migrations wrote (groups and their permissions, the page tree, the site, the news
    columns …), so these tests roll back by serialization: Django saves the migrated
    database once per worker, loads it back before each of them (without the
    post_migrate signal, whose new content types would clash), and
    pytest_runtest_teardown below loads it back after the flush, for whatever test the
    worker runs next. The marker `transactional` stays, to select or leave them out."""
    for item in items:
        if not _flushes(item):
            continue
        item.add_marker(pytest.mark.transactional)
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)
    # xdist hands out test files in this order (pytest_configure above
    # keeps xdist from reordering them by their number of tests, which put the one-test
    # walks last): the longest first, those marked slow (the malformed-input walks,
    # real ffmpeg, the demo content), then those that flush (gunicorn, the browser),
    # so that the two workers do not end on one long file while the other idles.
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    flushing = {item.path for item in items if _flushes(item)}
    items.sort(key=lambda item: (item.path not in slow, item.path not in flushing))


# A migrated SQLite test database, kept under var/test-db/ and named for a hash of
# every installed app's migration files. Migrating takes about 30 s a test process (two
# per pytest command under xdist, five pytest commands in CI); a later process whose
# migrations are the same copies the file and lets Django keep it (keepdb), so Django
# only checks that nothing is left to apply and runs post_migrate. PostgreSQL, or
# --create-db, migrates as usual.
VAR = Path(__file__).resolve().parents[1] / "var"
TEMPLATES = VAR / "test-db"


def _migrations_hash() -> str:
    from django.apps import apps

    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        for path in sorted(Path(config.path, "migrations").glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _sqlite_test_database():
    """The test database's file if the default database is SQLite on a file."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME")
    if database["ENGINE"] != "django.db.backends.sqlite3" or not name:
        return None
    if name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings, django_db_createdb):
    keep = request.config.getvalue("reuse_db")
    target = _sqlite_test_database()
    if keep or django_db_createdb or target is None:
        return keep
    template = TEMPLATES / f"{_migrations_hash()}.sqlite3"
    if not template.is_file():
        request.config.stash[_template_key] = template
        return False
    target.unlink(missing_ok=True)
    _copy_sqlite(template, target)
    return True


_template_key = pytest.StashKey[Path]()


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a whole, consistent copy even in WAL mode."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    with (
        closing(sqlite3.connect(source)) as src,
        closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst)
    os.replace(partial, target)


@pytest.fixture(scope="session")
def migrated_sqlite(django_db_setup):
    """For tests that run the site on a SQLite file of their own (own_database):
    ``migrated_sqlite(path)`` puts a copy of the migrated template there, so that their
    own ``manage.py migrate`` finds nothing to apply (a second or two instead of some
    30). Without a template (PostgreSQL's test run, --create-db) it does nothing and
    that migrate does all the work. Migrating a new database from nothing is still
    tested: by each test process that makes the template, by the PostgreSQL pass and
    by make deploy-check (production settings)."""
    target = _sqlite_test_database()
    template = TEMPLATES / f"{_migrations_hash()}.sqlite3" if target else None

    def copy(path: Path) -> None:
        if template is not None and template.is_file():
            _copy_sqlite(template, Path(path))

    return copy


# The school demo's clips (minutes of 720p video, some 20 s of ffmpeg a load), made by
# ffmpeg the first time and kept under var/test-clips/, named for a hash of ffmpeg's
# version and the command's arguments; tests that load the demo for its records rather
# than its videos copy them from there (demo_clips_made_once).
CLIPS = VAR / "test-clips"


@pytest.fixture
def demo_clips_made_once(monkeypatch):
    from school import demo

    make = demo._make_clip
    version = subprocess.run(
        ["ffmpeg", "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]

    def make_or_copy(path: Path, seconds: int, course: str, lesson: str) -> None:
        command = demo.clip_command(Path("clip.mp4"), seconds, course, lesson)
        key = hashlib.sha256(json.dumps([version, command]).encode()).hexdigest()
        kept = CLIPS / f"{key[:16]}.mp4"
        if kept.is_file():
            shutil.copyfile(kept, path)
            return
        make(path, seconds, course, lesson)
        CLIPS.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f"{kept.name}.{os.getpid()}.partial")
        shutil.copyfile(path, partial)
        os.replace(partial, kept)

    monkeypatch.setattr(demo, "_make_clip", make_or_copy)


# The migrated database as Django serialized it, per alias. Django keeps it on the
# connection object, but once Playwright's sync API runs its event loop in this
# thread, Django's thread-critical connection storage behaves as in async code and
# creates a new connection object, without the copy: Django would then neither load it
# before a test nor keep post_migrate from recreating content types at the flush. So
# every connection object created from now on gets the copy too.
_serialized: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup):
    from django.db import connections

    template = request.config.stash.get(_template_key, None)
    if template is not None:  # migrated just now: keep it for the next test process
        _copy_sqlite(_sqlite_test_database(), template)

    for connection in connections.all(initialized_only=True):
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            _serialized[connection.alias] = contents
    create_connection = connections.create_connection

    def create_connection_with_copy(alias):
        connection = create_connection(alias)
        if alias in _serialized:
            connection._test_serialized_contents = _serialized[alias]
        return connection

    connections.create_connection = create_connection_with_copy
    yield
    connections.create_connection = create_connection


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a flushing test has flushed, put the migrated rows back (see above).
    A next flushing test of the same module loads them itself; one of another module
    may first set up module fixtures that read them, so it gets them here."""
    result = yield
    if _flushes(item) and nextitem is not None:
        same_module = nextitem.module is item.module
        if not (same_module and _flushes(nextitem)):
            _restore_migrated_rows(item.config)
    return result


def _restore_migrated_rows(config) -> None:
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        for alias, contents in _serialized.items():
            connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="module", params=["database", "redis"])
def served_site(request, django_db_setup, django_db_blocker):
    """gunicorn with 4 workers on the test database (tests/served.py), once per
    module and per home of the rate-limit counters: the database, then Redis."""
    from django.db import connection

    from tests.served import ServedSite, redis_url

    redis = ""
    if request.param == "redis":
        redis = redis_url()
        if redis is None:
            pytest.skip("no Redis server on 127.0.0.1:6379 (CI has one)")
    site = ServedSite(connection.settings_dict, ratelimit_redis=redis).start()
    yield site
    site.stop()


@pytest.fixture
def served(served_site, transactional_db):
    """The served site with fresh counters; tests write through committed rows."""
    if served_site.ratelimit_redis:
        import redis

        redis.Redis.from_url(served_site.ratelimit_redis).flushdb()
    served_site.reset_password_checks()
    return served_site
