"""Fixtures shared by every test folder."""

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


def pytest_collection_modifyitems(items):
    """Mark tests that flush the database (transactional tests, live-server browser
    tests): `make test` runs them in a pass of their own, because a flush empties the
    data-migration rows (groups, home page) under any test run after it in a worker."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        flushes = marker is not None and marker.kwargs.get("transaction", False)
        if flushes or {"transactional_db", "live_server"} & set(item.fixturenames):
            item.add_marker(pytest.mark.transactional)


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
