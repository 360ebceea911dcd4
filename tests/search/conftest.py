"""Search test fixtures: a backend per engine and documents written here."""

from __future__ import annotations

import datetime
import os
import uuid

import pytest

from search.backends.base import create_backend, get_backend
from search.documents import SearchDocument

ENGINES = ["embedded", "elasticsearch"]


def make_backend(engine: str, tmp_path):
    """A fresh, empty backend of the given engine."""
    if engine == "embedded":
        return create_backend(
            "contract",
            {
                "BACKEND": "search.backends.embedded.EmbeddedBackend",
                "PATH": tmp_path / "i.sqlite3",
            },
        )
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip(
            "ELASTICSEARCH_URL is not set: no Elasticsearch server to test against"
        )
    backend = create_backend(
        "contract",
        {
            "BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
            "URL": url,
            "INDEX": f"portal-test-{uuid.uuid4().hex[:8]}",
            "REFRESH": True,
        },
    )
    return backend


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
