"""Read-only search credentials are enough for everything a reader does.

Collected when ELASTICSEARCH_READ_URL names a user that may only read (the TLS
server of `.ci/elasticsearch start secure`); the writer is ELASTICSEARCH_URL.
"""

from __future__ import annotations

import os

import pytest
from elasticsearch import AuthorizationException

from search.backends.base import create_backend
from search.query import parse

from .conftest import doc, es_params


@pytest.fixture
def writer_and_reader():
    writer = create_backend("es-writer", es_params())
    reader = create_backend(
        "es-reader", {**writer.params, "URL": os.environ["ELASTICSEARCH_READ_URL"]}
    )
    yield writer, reader
    writer.drop()
    writer.close()
    reader.close()


def test_a_reader_searches_counts_suggests_and_gets_over_tls(writer_and_reader):
    writer, reader = writer_and_reader
    assert reader.search(parse("党费")).index_missing is True
    writer.rebuild(
        [
            doc("policy:1", "关于按时交纳党费的通知", "全体党员应当按时交纳党费。"),
            doc("policy:2", "三会一课制度实施细则", "支部党员大会按期召开。"),
        ]
    )
    results = reader.search(parse("党费", facets=["type"]))
    assert [hit.key for hit in results.hits] == ["policy:1"]
    assert "<mark>党费</mark>" in results.hits[0].snippet_html
    assert reader.count() == 2
    assert reader.count_matches(parse("三会一课")) == 1
    assert reader.suggest("shyk") == ["三会一课制度实施细则"]
    assert reader.get("policy:2").title == "三会一课制度实施细则"


def test_a_reader_cannot_write(writer_and_reader):
    writer, reader = writer_and_reader
    writer.rebuild([doc("policy:1", "党费", "党费")])
    with pytest.raises(AuthorizationException):
        reader.client.indices.create(index=f"{writer.index_alias}-intruder")
    with pytest.raises(AuthorizationException):
        reader.upsert([doc("policy:9", "不应写入", "不应写入")])
    assert writer.count() == 1
