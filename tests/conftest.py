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
