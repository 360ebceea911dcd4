"""The site while the real Elasticsearch server is stopped, frozen and started again.

This stops the server every other Elasticsearch test uses, so it runs alone, in a
pass of its own (`make pytest-elasticsearch` sets PORTAL_ELASTICSEARCH_OUTAGE_TEST=1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.models import Page

from search.backends import get_backend, reset_backends
from search.models import PendingIndexUpdate
from search.registry import register, unregister

from .conftest import PageSource, doc, publish_child

SCRIPT = Path(settings.BASE_DIR) / ".ci" / "elasticsearch"


def server(action: str) -> str:
    """Run .ci/elasticsearch ACTION plain and return what it printed."""
    done = subprocess.run(
        [str(SCRIPT), action, "plain"],
        check=True,
        capture_output=True,
        text=True,
        timeout=240,
    )
    return done.stdout.strip()


@pytest.fixture
def indexed_site(db, restore_sources):
    register(PageSource)
    reset_backends()
    get_backend().rebuild([doc("policy:1", "党费收缴管理办法", "党员按月交纳党费。")])
    yield get_backend()
    unregister("page")
    get_backend().drop()
    reset_backends()


def wait_until_searchable(client, query: str, deadline: float = 60) -> dict:
    until = time.monotonic() + deadline
    while True:
        response = client.get("/api/search", {"q": query})
        if response.status_code == 200 and response.json()["total"]:
            return response.json()
        if time.monotonic() > until:
            raise AssertionError(f"not searchable again: {response.status_code}")
        time.sleep(0.5)


def test_stopped_server_gives_503s_publishing_goes_on_and_restart_restores_search(
    client, home_page, indexed_site, django_capture_on_commit_callbacks
):
    assert client.get("/api/search", {"q": "党费"}).json()["total"] == 1
    server("stop")
    try:
        for url in ("/search/?q=党费", "/api/search?q=党费"):
            started = time.monotonic()
            response = client.get(url)
            assert response.status_code == 503
            assert time.monotonic() - started < 2
            assert "搜索服务暂时不可用" in response.content.decode()
        assert client.get("/").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            page = publish_child(home_page, "三会一课制度", "三会一课")
        assert Page.objects.get(pk=page.pk).live
        assert PendingIndexUpdate.objects.filter(key=f"page:{page.pk}").exists()
    finally:
        server("start")
    # The same process and backend instances: no restart of the site.
    assert wait_until_searchable(client, "党费")["total"] == 1
    call_command("repair_search_index", "--no-rebuild")
    assert not PendingIndexUpdate.objects.exists()
    assert (
        wait_until_searchable(client, "三会一课")["results"][0]["title"]
        == "三会一课制度"
    )


def test_a_frozen_server_gives_503_within_two_seconds(client, indexed_site):
    assert client.get("/api/search", {"q": "党费"}).json()["total"] == 1
    pid = int(server("pid"))
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = client.get("/search/", {"q": "党费"})
        elapsed = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    assert response.status_code == 503
    assert elapsed < 2
    assert wait_until_searchable(client, "党费")["total"] == 1
