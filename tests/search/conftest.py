"""Search test fixtures: a backend per engine and documents written here.

The Elasticsearch parameter runs against the real server named by
ELASTICSEARCH_URL. Without it, Elasticsearch tests are not collected (a developer's
`make test`); with PORTAL_REQUIRE_ELASTICSEARCH=1 (CI's Elasticsearch pass) a
missing or unreachable server fails the run instead of skipping anything.
"""

from __future__ import annotations

import datetime
import os
import uuid

import pytest
from django.conf import settings
from wagtail.models import Page

from search.backends.base import create_backend, get_backend
from search.documents import SearchDocument
from search.registry import SearchSource

ES_URL = os.environ.get("ELASTICSEARCH_URL", "")
REQUIRE_ES = os.environ.get("PORTAL_REQUIRE_ELASTICSEARCH") == "1"
# "embedded-broad" is the embedded engine ranking every query the way it ranks broad
# ones at scale (without BM25, see EmbeddedBackend._order_broad).
ENGINES = ["embedded", "embedded-broad"] + (
    ["elasticsearch"] if ES_URL or REQUIRE_ES else []
)
# Modules that need a real Elasticsearch server are not collected without one.
collect_ignore = (
    []
    if ES_URL or REQUIRE_ES
    else ["test_elasticsearch_server.py", "test_elasticsearch_outage.py"]
)
if not os.environ.get("ELASTICSEARCH_READ_URL"):
    collect_ignore.append("test_elasticsearch_readonly.py")
if os.environ.get("PORTAL_ELASTICSEARCH_OUTAGE_TEST") != "1":
    collect_ignore.append("test_elasticsearch_outage.py")


def es_params(**extra) -> dict:
    """Params of an Elasticsearch backend on a fresh alias of this test run."""
    if not ES_URL:
        pytest.fail("PORTAL_REQUIRE_ELASTICSEARCH=1 but ELASTICSEARCH_URL is not set")
    return {
        **settings.PORTAL_SEARCH_ELASTICSEARCH,
        "URL": ES_URL,
        "INDEX": f"{test_index_prefix()}{uuid.uuid4().hex[:8]}",
        "REFRESH": True,
        **extra,
    }


def test_index_prefix() -> str:
    """Every index this run creates starts with this (dropped at the end)."""
    return getattr(settings, "PORTAL_SEARCH_TEST_INDEX_PREFIX", "test-") or "test-"


test_index_prefix.__test__ = False


@pytest.fixture(scope="session", autouse=True)
def elasticsearch_run():
    """Check the server answers before any test; drop this run's indices after."""
    if not ES_URL:
        if REQUIRE_ES:
            pytest.fail(
                "PORTAL_REQUIRE_ELASTICSEARCH=1 but ELASTICSEARCH_URL is not set"
            )
        yield
        return
    from elasticsearch import Elasticsearch

    options = {"request_timeout": 10}
    if os.environ.get("ELASTICSEARCH_CA_CERTS"):
        options["ca_certs"] = os.environ["ELASTICSEARCH_CA_CERTS"]
    client = Elasticsearch(ES_URL, **options)
    try:
        client.cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as exc:
        pytest.fail(f"Elasticsearch at {ES_URL} does not answer: {exc}")
    yield
    try:
        names = list(client.indices.get(index=f"{test_index_prefix()}*").keys())
        for name in names:
            client.indices.delete(index=name, ignore_unavailable=True)
    finally:
        client.close()


def make_backend(engine: str, tmp_path):
    """A fresh, empty backend of the given engine."""
    if engine in ("embedded", "embedded-broad"):
        return create_backend(
            "contract",
            {
                "BACKEND": "search.backends.embedded.EmbeddedBackend",
                "PATH": tmp_path / "i.sqlite3",
                **({"SCORE_BUDGET": -1} if engine == "embedded-broad" else {}),
            },
        )
    return create_backend("contract", es_params())


@pytest.fixture(params=ENGINES)
def backend(request, tmp_path):
    engine = make_backend(request.param, tmp_path)
    yield engine
    if request.param == "elasticsearch":
        engine.drop()
    engine.close()


@pytest.fixture
def default_backend():
    """The configured default backend, emptied for the test."""
    engine = get_backend()
    engine.clear()
    yield engine
    engine.clear()


def doc(key: str, title: str, body: str, **kwargs) -> SearchDocument:
    """A SearchDocument with sensible defaults."""
    type_ = kwargs.pop("type", key.split(":")[0])
    return SearchDocument(
        key=key,
        type=type_,
        title=title,
        body=body,
        url=kwargs.pop("url", f"/{key.replace(':', '/')}/"),
        date=kwargs.pop("date", datetime.date(2024, 1, 1)),
        **kwargs,
    )


class PageSource(SearchSource):
    """Every Wagtail page as a search source (title, search description)."""

    type = "page"
    label = "页面"
    model = Page

    def to_document(self, obj):
        return doc(self.key_for(obj.pk), obj.title, obj.search_description or "")


def publish_child(parent: Page, title: str, description: str) -> Page:
    """A plain page published under parent (PageSource indexes its description)."""
    page = parent.add_child(
        instance=Page(
            title=title,
            slug=f"p-{uuid.uuid4().hex[:8]}",
            search_description=description,
        )
    )
    page.save_revision().publish()
    return page
